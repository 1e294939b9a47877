"""What a hall keeps besides its visits: each window's latest heartbeat, acknowledgements of
red lights, its users (never their password hashes), its settings (never its secrets),
training tags, findings added by reviewers and appeals. Keyed (hall, id) with the same
row-level security as 0001: a hall's role sees and writes only its own rows.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("heartbeats", "acks", "users", "settings", "training", "added_findings", "appeals")
_TEXT = "text generated always as (row->>'{0}') stored"
COLUMNS = {
    "heartbeats": ("window", "state", "at"),
    "acks": ("event", "window", "user", "at"),
    "users": ("role", "staff"),
    "training": ("visit", "tag"),
    "added_findings": ("visit", "rule", "severity", "at"),
    "appeals": ("visit", "staff", "status"),
}


def upgrade() -> None:
    for table in TABLES:
        extra = "".join(f', "{c}" {_TEXT.format(c)}' for c in COLUMNS.get(table, ()))
        op.execute(f"create table {table} (hall text not null, id text not null, "
                   f"row jsonb not null, shipped_at timestamptz not null default now()"
                   f"{extra}, primary key (hall, id))")
        op.execute(f"alter table {table} enable row level security")
        op.execute(f"create policy own_hall on {table} to courtesy_hall "
                   "using (hall = current_user) with check (hall = current_user)")
        op.execute(f"create policy city_reads on {table} for select to courtesy_city using (true)")
        op.execute(f"grant select, insert, update, delete on {table} to courtesy_hall")
        op.execute(f"grant select on {table} to courtesy_city")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
