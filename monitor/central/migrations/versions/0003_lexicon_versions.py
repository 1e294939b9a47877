"""A hall's own lexicon changes (monitor/tuning.py), each a version, and the version every
session was judged with: the city can tell which halls tuned which phrases, and compare
scores judged with the same lexicon. Same (hall, id) key and row-level security as 0001.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("create table lexicon_changes (hall text not null, id text not null, "
               "row jsonb not null, shipped_at timestamptz not null default now(), "
               "kind text generated always as (row->>'kind') stored, "
               "phrase text generated always as (row->>'phrase') stored, "
               "change text generated always as (row->>'change') stored, "
               "primary key (hall, id))")
    op.execute("alter table lexicon_changes enable row level security")
    op.execute("create policy own_hall on lexicon_changes to courtesy_hall "
               "using (hall = current_user) with check (hall = current_user)")
    op.execute("create policy city_reads on lexicon_changes for select to courtesy_city "
               "using (true)")
    op.execute("grant select, insert, update, delete on lexicon_changes to courtesy_hall")
    op.execute("grant select on lexicon_changes to courtesy_city")
    op.execute("alter table sessions add column lexicon_version int generated always as "
               "(coalesce((row->>'lexicon_version')::int, 0)) stored")


def downgrade() -> None:
    op.execute("alter table sessions drop column lexicon_version")
    op.execute("drop table lexicon_changes")
