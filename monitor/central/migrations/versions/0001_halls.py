"""The city's tables: each hall's rows keyed (hall, id), a hall's role sees only its own.

A row is kept whole as JSON (the hall's SQLite columns may grow without a migration here);
what the city's reports filter and rank on is a generated column beside it.

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("sessions", "utterances", "visits", "hits", "findings", "light_events",
          "recordings", "audit", "reviews", "review_notes")
_TEXT = "text generated always as (row->>'{0}') stored"
_REAL = "double precision generated always as ((row->>'{0}')::double precision) stored"
COLUMNS = {
    "sessions": {"kind": _TEXT, "window": _TEXT, "started_at": _TEXT},
    "visits": {"session": _TEXT, "kind": _TEXT, "window": _TEXT, "staff": _TEXT,
               "started_at": _TEXT, "score": _REAL, "verdict": _TEXT},
    "findings": {"session": _TEXT, "visit": _TEXT, "rule": _TEXT, "severity": _TEXT,
                 "at": _TEXT, "deduction": _REAL},
    "utterances": {"session": _TEXT, "visit": _TEXT},
    "hits": {"session": _TEXT, "visit": _TEXT},
    "light_events": {"window": _TEXT, "state": _TEXT, "at": _TEXT},
}
INDEXES = {"visits": ("started_at", "window"), "findings": ("visit", "at"),
           "light_events": ("window", "at")}


def upgrade() -> None:
    for role in ("courtesy_hall", "courtesy_city"):
        op.execute(f"do $$ begin create role {role} nologin; "
                   "exception when duplicate_object then null; end $$")
    for table in TABLES:
        extra = "".join(f', "{c}" {kind.format(c)}' for c, kind in COLUMNS.get(table, {}).items())
        audio = ", audio bytea" if table == "recordings" else ""
        op.execute(f"create table {table} (hall text not null, id text not null, "
                   f"row jsonb not null{audio}, shipped_at timestamptz not null default now()"
                   f"{extra}, primary key (hall, id))")
        for column in INDEXES.get(table, ()):
            op.execute(f'create index {table}_{column} on {table} (hall, "{column}")')
        op.execute(f"alter table {table} enable row level security")
        op.execute(f"create policy own_hall on {table} to courtesy_hall "
                   "using (hall = current_user) with check (hall = current_user)")
        op.execute(f"create policy city_reads on {table} for select to courtesy_city using (true)")
        op.execute(f"grant select, insert, update, delete on {table} to courtesy_hall")
        op.execute(f"grant select on {table} to courtesy_city")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
