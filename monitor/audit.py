"""Reading and exporting the audit trail: who did what, when and from where.

The trail itself is written by each action's own module, in the action's transaction
(`Store.audited`), and the database refuses to change or delete a row; this module only
reads it. Exports are for a spreadsheet: CSV with a BOM (Excel then reads UTF-8 Chinese)
and every cell a spreadsheet would take for a formula quoted with a leading apostrophe.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from typing import IO

from .records import AuditEntry
from .storage import Store
from .stored import as_json
from .vocabulary import (ACCOUNT_CHANGES, ACCOUNT_ROLE_LABELS, APPEAL_LABELS, AUDIT_ACTIONS,
                         AUDIT_ACTORS,
                         AUDIT_COLUMNS, DECISION_LABELS, LEXICON_CHANGE_LABELS, REVIEW_REASONS,
                         ROLE_LABELS, SETTING_KEYS, TRAINING_CHANGES, phrase_kind_label,
                         rule_name,
                         setting_label, severity_label, when)

FORMATS = ("csv", "json")
COLUMNS = ("id", "at", "actor", "action", "target", "detail", "note", "origin")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def entries(store: Store, first: date | None = None, last: date | None = None,
            actor: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """The trail, oldest first, for days first..last (inclusive), a person or an action."""
    return store.audit(first, last, actor, action)


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Described:
    """An entry's action, target and detail as a hall reads them (ids stay as stored)."""

    action: str
    target: str
    detail: str
    actor: str = ""


def describe(entry: AuditEntry) -> Described:
    """The entry in Chinese: every action's stored words (`ack`, `confirm other`,
    `add_finding farewell major +30.0s`) turned into the hall's."""
    action, target, detail = entry.action, entry.target, entry.detail
    words = detail.split(" ")
    if action == "ack":
        target = target.replace("light event", "亮灯记录")
        detail = detail.replace("window", "窗口")
    elif action == "review":
        reason = REVIEW_REASONS.get(words[-1], words[-1]) if len(words) == 2 else ""
        detail = DECISION_LABELS.get(words[0], words[0]) + (f"（{reason}）" if reason else "")
    elif action == "add_finding" and len(words) == 3:
        detail = (f"{rule_name(words[0])}，{severity_label(words[1])}，"
                  f"第 {words[2].strip('+s')} 秒")
    elif action == "decision":
        target = target.replace("appeal:", "申诉 ")
        detail = f"{APPEAL_LABELS.get(words[0], words[0])} {' '.join(words[1:])}".strip()
    elif action == "training":
        detail = f"{TRAINING_CHANGES.get(words[0], words[0])} {' '.join(words[1:])}".strip()
    elif action == "user":
        detail = _account_change(detail)
    elif action == "config":
        target = setting_label(target) or target
        for key, label in SETTING_KEYS.items():
            detail = detail.replace(f"{key}: ", f"{label}：")
        detail = detail.replace("true", "是").replace("false", "否")
    elif action == "role":  # line 3 (session:idx) customer -> staff
        head, _, change = detail.partition(") ")
        old, _, new = change.partition(" -> ")
        detail = (f"第 {head.split(' ')[1] if ' ' in head else head} 句："
                  f"{ROLE_LABELS.get(old, old)} → {ROLE_LABELS.get(new, new)}") if new else detail
    elif action == "lexicon_change":
        _, kind, phrase = (target.split(":", 2) + ["", ""])[:3]
        target = f"{phrase_kind_label(kind)} {phrase}"
        detail = f"{LEXICON_CHANGE_LABELS.get(words[0], words[0])} {' '.join(words[1:])}".strip()
    return Described(AUDIT_ACTIONS.get(action, action), target, detail,
                     AUDIT_ACTORS.get(entry.actor, entry.actor))


def _account_change(detail: str) -> str:
    """`add staff staff=S12` -> 添加 工作人员 S12; `reset password` -> 重置密码."""
    if detail in ACCOUNT_CHANGES:
        return ACCOUNT_CHANGES[detail]
    change, _, rest = detail.partition(" ")
    role, _, staff = rest.partition(" staff=")
    return " ".join(w for w in (ACCOUNT_CHANGES.get(change, change),
                                ACCOUNT_ROLE_LABELS.get(role, role), staff) if w)


def write_csv(rows: list[AuditEntry], handle: IO[str]) -> None:
    """The trail for a spreadsheet: Chinese headers and words, the stored action id last."""
    handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow([AUDIT_COLUMNS[c] for c in COLUMNS] + ["操作代码"])
    for entry in rows:
        data, words = as_json(entry), describe(entry)
        data.update(action=words.action, target=words.target, detail=words.detail,
                    actor=words.actor)
        writer.writerow([safe_cell(data[c]) for c in COLUMNS] + [entry.action])


def write_json(rows: list[AuditEntry], handle: IO[str]) -> None:
    json.dump({"audit": [as_json(e) for e in rows]}, handle, ensure_ascii=False, indent=1)
    handle.write("\n")


def write(rows: list[AuditEntry], fmt: str, handle: IO[str]) -> None:
    (write_csv if fmt == "csv" else write_json)(rows, handle)


def line(entry: AuditEntry) -> str:
    """One entry as a line for the terminal."""
    return (f"{when(entry.at)}  {entry.actor:<12} {entry.action:<12} "
            f"{entry.target}  {entry.detail}" + (f"  “{entry.note}”" if entry.note else "")
            + (f"  ({entry.origin})" if entry.origin else ""))
