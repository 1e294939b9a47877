"""Users of the web app and their roles; every change to an account is audited.

Roles: admin (runs the accounts, and may do what a supervisor does), supervisor (acknowledges
red lights, reviews findings, decides appeals), staff (tied to a staff id: sees only their
own record and appeals it), viewer (only looks). Passwords are stored as werkzeug scrypt
hashes, never as given; a login against an unknown name still spends the time of one hash
check, so timing does not reveal names. A disabled user cannot log in and is logged out.

A login cookie names the user and the account's session version, a random token that logout,
a password change or reset, disabling and removal replace: every cookie issued before is
dead at its next request, and a new account under a removed one's name has a new token.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from . import voices
from .limits import ID_MAX
from .errors import AccountError
from .records import STAFF_ID, AuditEntry
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
    version: str = field(default="", repr=False, compare=False)  # its session version

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


def _fresh() -> str:
    """A new session version: cookies carrying the old one no longer log anybody in."""
    return secrets.token_urlsafe(16)


def _checked_password(name: str, password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"{name} 的密码至少 {MIN_PASSWORD} 个字符"
                           f"（password for {name}: at least {MIN_PASSWORD} characters）")
    return generate_password_hash(password)


def _checked_role(role: str, staff: str | None, known_staff: dict | None) -> str | None:
    """The staff id of a staff account; refused for another role (it would be dropped), and
    one the hall's [staff] does not list when the hall lists its staff."""
    if role not in ROLES:
        raise AccountError(f"角色 {role!r} 不存在，可选：{'、'.join(ROLES)}"
                           f"（role {role!r}: one of {', '.join(ROLES)}）")
    staff = (staff or "").strip() or None
    if role == "staff" and not staff:
        raise AccountError("工作人员账号须注明工号（a staff account needs the staff id it "
                           "belongs to: --staff）")
    if role != "staff" and staff:
        raise AccountError(f"只有工作人员账号有工号，{role} 账号不能指定工号 {staff}"
                           f"（--staff is only for the staff role）")
    if staff and (len(staff) > ID_MAX or not STAFF_ID.fullmatch(staff)):
        raise AccountError(f"工号 {staff[:40]!r} 只能包含字母、数字、- 和 _，至多 {ID_MAX} 个字符"
                           f"（staff id: letters, digits, - and _, at most {ID_MAX}）")
    if staff and known_staff and staff not in known_staff:
        raise AccountError(f"工号 {staff} 不在 hall.toml 的 [staff] 中"
                           f"（staff id {staff} is not in [staff]）")
    return staff


def add_user(store: Store, name: str, role: str, password: str, replace: bool = False,
             staff: str | None = None, actor: str = "system", origin: str = "",
             known_staff: dict | None = None) -> User:
    """Add (or with `replace`, reset) a user; raises AccountError on a bad name, role,
    staff id (checked against `known_staff`, the hall's [staff], when given) or password,
    or a name already taken."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError(f"用户名 {name[:64]!r} 须为 1 到 64 个字符，不含空格和控制字符"
                           f"（user name: 1 to 64 characters, no spaces）")
    staff = _checked_role(role, staff, known_staff)
    password_hash = _checked_password(name, password)
    entry = AuditEntry(actor, "user", name, f"{'reset' if replace else 'add'} {role}"
                       + (f" staff={staff}" if staff else ""), origin)
    with store.audited(entry):
        if not store.add_user(name, role, password_hash, datetime.now().astimezone(),
                              replace=replace):
            raise AccountError(f"用户 {name} 已存在（user {name} exists: use --replace to "
                               "reset the password or role）")
        store.update_account(name, {"staff": staff, "disabled": 0,
                                    "session_version": _fresh()})
    return User(name, role, staff)


def _change(store: Store, name: str, values: dict, entry: AuditEntry) -> None:
    with store.audited(entry):
        if not store.update_account(name, values):
            raise AccountError(f"没有用户 {name}（no user {name}）")


def disable(store: Store, name: str, actor: str = "system", origin: str = "",
            enabled: bool = False) -> None:
    """Switch a user off (or on again); a disabled user is logged out at the next request."""
    _change(store, name, {"disabled": int(not enabled), "session_version": _fresh()},
            AuditEntry(actor, "user", name, "enable" if enabled else "disable", origin))


def reset_password(store: Store, name: str, password: str, actor: str = "system",
                   origin: str = "") -> None:
    _change(store, name, {"password_hash": _checked_password(name, password),
                          "session_version": _fresh()},
            AuditEntry(actor, "user", name, "reset password", origin))


def change_password(store: Store, name: str, old: str, new: str, origin: str = "") -> str:
    """A user changes their own password, proving the old one; returns the new session
    version (the browser that changed it stays logged in, every other is logged out)."""
    account = store.account(name)
    if _user(account) is None or not check_password_hash(account.password_hash, old):
        raise AccountError("原密码不正确")
    version = _fresh()
    _change(store, name, {"password_hash": _checked_password(name, new),
                          "session_version": version},
            AuditEntry(name, "user", name, "change own password", origin))
    return version


def log_out(store: Store, name: str, origin: str = "") -> None:
    """End every session of the user (the cookie alone could be replayed after logout)."""
    _change(store, name, {"session_version": _fresh()}, AuditEntry(name, "logout", name, "",
                                                                    origin))


def remove(store: Store, name: str, actor: str = "system", origin: str = "") -> None:
    """Remove a user (their past actions stay in the audit trail under their name); a staff
    account's voice profile goes with it (personal data kept no longer than its person)."""
    if actor == name:
        raise AccountError("不能删除自己的账号")
    account = store.account(name)
    with store.audited(AuditEntry(actor, "user", name, "remove", origin)):
        if not store.remove_account(name):
            raise AccountError(f"没有用户 {name}（no user {name}）")
        if account is not None and account.staff:
            voices.forget(store, account.staff, actor, origin)


def _user(account: Account | None) -> User | None:
    if account is None or account.disabled:
        return None
    return User(account.name, account.role, account.staff, account.session_version or "")


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the password is right and the account is enabled, else None (the web
    app's login audits the attempt, with where it came from); `version` goes in the cookie."""
    account = store.account(name)
    if not check_password_hash(account.password_hash if account else _nobody(), password) \
            or not account:
        return None
    user = _user(account)
    if user is not None and not user.version:  # an account from before session versions
        user = User(user.name, user.role, user.staff, _fresh())
        store.update_account(name, {"session_version": user.version})
    return user


def current(store: Store, name: str | None, version: str | None) -> User | None:
    """The logged-in user as the database says now: a removed or disabled user is out, and
    so is a cookie whose session version was replaced since it was issued."""
    user = _user(store.account(name)) if name else None
    if user is None or not user.version or not version \
            or not hmac.compare_digest(user.version.encode(), str(version).encode()):
        return None
    return user


def users(store: Store) -> list[Account]:
    """Every account (never a hash), by name."""
    return store.accounts()
