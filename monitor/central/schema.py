"""The city's database: its schema (Alembic migrations) and its roles, one per hall."""
from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from .options import HALL_ID

MIGRATIONS = Path(__file__).with_name("migrations")


def _alchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def upgrade(admin_url: str) -> str:
    """Bring the city's database to the newest schema; returns the revision it is at."""
    import sqlalchemy
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sqlalchemy.create_engine(_alchemy_url(admin_url))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            return MigrationContext.configure(connection).get_current_revision()
    except sqlalchemy.exc.OperationalError as exc:
        raise ConfigError(f"central database: cannot migrate: {exc.orig}") from None
    finally:
        engine.dispose()


def add_role(admin_url: str, name: str, password: str, city: bool = False) -> None:
    """A hall's login (it may write only rows whose hall is its own name), or with `city`
    a reader of every hall (the city's reports and board)."""
    import psycopg
    from psycopg import sql

    if not HALL_ID.match(name):
        raise ConfigError(f"{name!r}: a hall id is lower-case letters, digits and _")
    group = "courtesy_city" if city else "courtesy_hall"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", [name]).fetchone()
        verb = "alter" if exists else "create"
        conn.execute(sql.SQL("{} role {} login password {}").format(
            sql.SQL(verb), sql.Identifier(name), sql.Literal(password)))
        conn.execute(sql.SQL("grant {} to {}").format(sql.Identifier(group), sql.Identifier(name)))
