"""Board users: supervisors (may acknowledge a red light) and viewers (may only look).

Passwords are stored as werkzeug scrypt hashes, never as given; a login against an
unknown name still spends the time of one hash check, so timing does not reveal names.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from .errors import AccountError
from .storage import Store

ROLES = ("supervisor", "viewer")
MIN_PASSWORD = 8


@cache
def _nobody() -> str:
    return generate_password_hash("no such user: a hash to spend the same time on")


@dataclass(frozen=True)
class User:
    name: str
    role: str

    @property
    def may_acknowledge(self) -> bool:
        return self.role == "supervisor"


def add_user(store: Store, name: str, role: str, password: str, replace: bool = False) -> User:
    """Add (or with `replace`, reset) a user; raises AccountError on a bad name, role or
    password, or a name already taken."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError(f"user name {name!r}: 1 to 64 characters, no spaces")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password for {name}: at least {MIN_PASSWORD} characters")
    if not store.add_user(name, role, generate_password_hash(password),
                          datetime.now().astimezone(), replace=replace):
        raise AccountError(f"user {name} exists (use --replace to reset the password or role)")
    return User(name, role)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the password is right, else None."""
    row = store.user(name)
    if not check_password_hash(row["password_hash"] if row else _nobody(), password) or not row:
        return None
    return User(row["name"], row["role"])


def current(store: Store, name: str | None) -> User | None:
    """The logged-in user as the database says now (a removed user is logged out)."""
    row = store.user(name) if name else None
    return User(row["name"], row["role"]) if row else None
