"""The hall's own systems (issue 22): queue events (排队叫号) and citizen ratings (好差评),
so the city can rank halls by rating as well as by courtesy score; a visit's ticket and
business type come with its row. Same (hall, id) key and row-level security as 0001.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TEXT = "text generated always as (row->>'{0}') stored"
COLUMNS = {
    "queue_events": ("window", "ticket", "business", "called"),
    "ratings": ("window", "ticket", "at"),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        extra = "".join(f', "{c}" {_TEXT.format(c)}' for c in columns)
        if table == "ratings":
            extra += ", level int generated always as ((row->>'level')::int) stored"
        op.execute(f"create table {table} (hall text not null, id text not null, "
                   f"row jsonb not null, shipped_at timestamptz not null default now()"
                   f"{extra}, primary key (hall, id))")
        op.execute(f"alter table {table} enable row level security")
        op.execute(f"create policy own_hall on {table} to courtesy_hall "
                   "using (hall = current_user) with check (hall = current_user)")
        op.execute(f"create policy city_reads on {table} for select to courtesy_city using (true)")
        op.execute(f"grant select, insert, update, delete on {table} to courtesy_hall")
        op.execute(f"grant select on {table} to courtesy_city")
    op.execute("create index ratings_at on ratings (hall, at)")


def downgrade() -> None:
    for table in COLUMNS:
        op.execute(f"drop table {table}")
