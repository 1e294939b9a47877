"""The city's append-only tables: a hall's role may add rows to its audit trail and its
lexicon changes, never change or delete one (a hall that could rewrite them could hide what
its people did). UPDATE and DELETE are taken from `courtesy_hall`; the shipper adds these
rows with `on conflict do nothing` (`outbox.APPEND_ONLY`), so shipping a row twice (a box
killed mid-sync, the outbox turned on again) still works.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("audit", "lexicon_changes")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"revoke update, delete on {table} from courtesy_hall")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"grant update, delete on {table} to courtesy_hall")
