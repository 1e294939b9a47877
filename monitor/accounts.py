"""Users of the web app and their roles; every change to an account is audited.

Roles: admin (runs the accounts, and may do what a supervisor does), supervisor (acknowledges
red lights, reviews findings, decides appeals), staff (tied to a staff id: sees only their
own record and appeals it), viewer (only looks). Passwords are stored as werkzeug scrypt
hashes, never as given; a login against an unknown name still spends the time of one hash
check, so timing does not reveal names. A disabled user cannot log in and is logged out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from . import voices
from .errors import AccountError
from .records import AuditEntry
from .storage import Store
from .stored import Account
from .vocabulary import ACCOUNT_ROLE_LABELS

ROLES = tuple(ACCOUNT_ROLE_LABELS)  # admin, supervisor, staff, viewer
MIN_PASSWORD = 8


@cache
def _nobody() -> str:
    return generate_password_hash("no such user: a hash to spend the same time on")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    staff: str | None = None  # the staff id a staff account is tied to

    @property
    def may_acknowledge(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def may_review(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def may_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return ACCOUNT_ROLE_LABELS[self.role]


def _checked_password(name: str, password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password for {name}: at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


def _checked_role(role: str, staff: str | None) -> str | None:
    if role not in ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(ROLES)}")
    staff = (staff or "").strip() or None
    if role == "staff" and not staff:
        raise AccountError("a staff account needs the staff id it belongs to (--staff)")
    return staff if role == "staff" else None


def add_user(store: Store, name: str, role: str, password: str, replace: bool = False,
             staff: str | None = None, actor: str = "system", origin: str = "") -> User:
    """Add (or with `replace`, reset) a user; raises AccountError on a bad name, role or
    password, or a name already taken."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise AccountError(f"user name {name!r}: 1 to 64 characters, no spaces")
    staff = _checked_role(role, staff)
    password_hash = _checked_password(name, password)
    entry = AuditEntry(actor, "user", name, f"{'reset' if replace else 'add'} {role}"
                       + (f" staff={staff}" if staff else ""), origin)
    with store.audited(entry):
        if not store.add_user(name, role, password_hash, datetime.now().astimezone(),
                              replace=replace):
            raise AccountError(f"user {name} exists (use --replace to reset the password or "
                               "role)")
        store.update_account(name, {"staff": staff, "disabled": 0})
    return User(name, role, staff)


def _change(store: Store, name: str, values: dict, entry: AuditEntry) -> None:
    with store.audited(entry):
        if not store.update_account(name, values):
            raise AccountError(f"no user {name}")


def disable(store: Store, name: str, actor: str = "system", origin: str = "",
            enabled: bool = False) -> None:
    """Switch a user off (or on again); a disabled user is logged out at the next request."""
    _change(store, name, {"disabled": int(not enabled)},
            AuditEntry(actor, "user", name, "enable" if enabled else "disable", origin))


def reset_password(store: Store, name: str, password: str, actor: str = "system",
                   origin: str = "") -> None:
    _change(store, name, {"password_hash": _checked_password(name, password)},
            AuditEntry(actor, "user", name, "reset password", origin))


def change_password(store: Store, name: str, old: str, new: str, origin: str = "") -> None:
    """A user changes their own password, proving the old one."""
    account = store.account(name)
    if _user(account) is None or not check_password_hash(account.password_hash, old):
        raise AccountError("原密码不正确")
    _change(store, name, {"password_hash": _checked_password(name, new)},
            AuditEntry(name, "user", name, "change own password", origin))


def remove(store: Store, name: str, actor: str = "system", origin: str = "") -> None:
    """Remove a user (their past actions stay in the audit trail under their name); a staff
    account's voice profile goes with it (personal data kept no longer than its person)."""
    if actor == name:
        raise AccountError("不能删除自己的账号")
    account = store.account(name)
    with store.audited(AuditEntry(actor, "user", name, "remove", origin)):
        if not store.remove_account(name):
            raise AccountError(f"no user {name}")
        if account is not None and account.staff:
            voices.forget(store, account.staff, actor, origin)


def _user(account: Account | None) -> User | None:
    if account is None or account.disabled:
        return None
    return User(account.name, account.role, account.staff)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the password is right and the account is enabled, else None (the web
    app's login audits the attempt, with where it came from)."""
    account = store.account(name)
    if not check_password_hash(account.password_hash if account else _nobody(), password) \
            or not account:
        return None
    return _user(account)


def current(store: Store, name: str | None) -> User | None:
    """The logged-in user as the database says now (a removed or disabled user is out)."""
    return _user(store.account(name)) if name else None


def users(store: Store) -> list[Account]:
    """Every account (never a hash), by name."""
    return store.accounts()
