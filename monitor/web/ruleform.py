"""The rules page's form for a new rule (web/rules.py): a supervisor combines conditions the
way contact-centre QA tools let one (who speaks, what a line says, where it is, what comes
within N turns or seconds after or before it, what the visit lacks, how often, how long, how
fast, an interruption; all or any of them, each may be negated), with Chinese labels, and
gets a `[[rules]]` table of ruledata.py's format, checked whole by `rulechanges.propose`.
Each number and word list becomes a parameter with a Chinese label, so the page's parameter
forms change it later as they change a shipped rule's. A mistake is one error naming the
form's field."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import RuleChangeError
from ..lexicon import KINDS
from ..limits import DEDUCTION, RULE_NUMBER, Range
from ..ruledata import WORD_CLASS, expand
from ..rulechanges import HALL_PREFIX
from ..vocabulary import ROLE_LABELS, SEVERITIES, phrase_kind_label

ROWS = 6  # condition rows the form offers
ID_SHAPE = f"须以 {HALL_PREFIX} 开头，其后只用小写字母、数字和下划线（如 {HALL_PREFIX}1）"
# the same rule as a hint a user reads before any mistake: ids as examples, no bare prefix
ID_HINT = f"形如 {HALL_PREFIX}1、{HALL_PREFIX}2（开头与之相同），其后只用小写字母、数字和下划线"
TURNS = Range(1, 20, integer=True)  # "within N turns": a visit has a few dozen

# what a line says (a row's own line, or the line a sequenced row looks for)
SAYS = {"": "说什么都行", "kind": "听到某类用语", "phrase": "听到下列用语之一",
        "says": "说了下列词之一", "regex": "文字符合正则表达式"}
# what a row asks, and which fields it reads: line (who and what), inner (who and what
# of another line), within, count, number (with its unit and its Chinese name)
ROW_OPS = {
    "line": "这一句：",
    "followed": "其后（几句或几秒内）有一句：",
    "after": "此前（几句或几秒内）有一句：",
    "absent": "整次来访没有一句：",
    "count": "整次来访中这样的句子数：",
    "first": "是工作人员的前几句之一",
    "last": "是工作人员的最后几句之一",
    "interrupts": "顾客还在说时开口，重叠超过",
    "rate_over": "语速快于",
    "rate_under": "语速慢于",
    "duration_over": "办理用时超过",
    "silence_over": "无人说话超过",
}
UNITS = {"first": "句", "last": "句", "interrupts": "秒", "rate_over": "字/分钟",
         "rate_under": "字/分钟", "duration_over": "秒", "silence_over": "秒"}
VISIT_OPS = ("absent", "count", "duration_over", "silence_over")  # hold of a whole visit
ON_LABELS = {"line": "逐句判断（每句符合的记一次）", "visit": "整次来访判断（符合的来访记一次）"}
JOIN_LABELS = {"all": "全部成立", "any": "任一成立"}
WITHIN_LABELS = {"turns": "句内", "s": "秒内"}
BOUND_LABELS = {"at_least": "至少", "at_most": "至多"}
WHO_LABELS = {"": "任何人", **ROLE_LABELS}
QUOTES = {"原话": "quote", "听到的词": "matched", "句数": "count"}  # what a detail may quote
FIELD_LABELS = {"id": "规则编号", "name": "名称", "prompt": "给工作人员的提示", "norm": "依据的规范",
                "severity": "严重程度", "deduction": "扣分", "detail": "检出说明", "on": "判断方式"}


class FormError(RuleChangeError):
    """A mistake in the new-rule form: its message names the field, `field` is its name."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass
class _Built:
    """The rule's parameters and their labels, as the rows make them."""

    params: dict
    labels: dict

    def param(self, name: str, value, label: str) -> str:
        self.params[name], self.labels[name] = value, label
        return f"${name}"


def suggested_id(taken) -> str:
    """A free id for a new rule: hall_1, hall_2, …"""
    n = 1
    while f"{HALL_PREFIX}{n}" in taken:
        n += 1
    return f"{HALL_PREFIX}{n}"


def table(form, taken) -> dict:
    """The `[[rules]]` table the form describes; FormError naming the first wrong field."""
    rule_id = form.get("id", "").strip() or suggested_id(taken)
    if not re.fullmatch(HALL_PREFIX + r"[a-z0-9_]{1,34}", rule_id):
        raise FormError("id", f"规则编号：{ID_SHAPE}，以免与日后随版本发布的规则同名")
    if rule_id in taken:
        raise FormError("id", f"规则编号：本厅已有规则“{rule_id}”，请换一个")
    texts = {}
    for key in ("name", "prompt", "norm"):
        texts[key] = " ".join(form.get(key, "").split())
        if not texts[key]:
            raise FormError(key, f"{FIELD_LABELS[key]}：不能为空")
        if len(texts[key]) > 60:
            raise FormError(key, f"{FIELD_LABELS[key]}：不能超过 60 个字")
    severity = form.get("severity", "major")
    if severity not in SEVERITIES:
        raise FormError("severity", "严重程度：请从列表中选择")
    deduction = _number(form, "deduction", "扣分", DEDUCTION)
    on = form.get("on", "line")
    if on not in ON_LABELS:
        raise FormError("on", "判断方式：请从列表中选择")
    built = _Built({}, {})
    parts = [_row(form, n, on, built) for n in range(1, ROWS + 1) if form.get(f"c{n}.op")]
    if not parts:
        raise FormError("c1.op", "条件 1：至少要有一个条件")
    join = "any" if form.get("join") == "any" else "all"
    if join == "all":  # a line's who and what, one condition each beside the others
        parts = [{key: value} for part in parts for key, value in part.items()]
    when = parts[0] if len(parts) == 1 else {join: parts}
    detail = form.get("detail", "").strip() or (  # what was wanted, as written
        texts["prompt"].replace("{", "{{").replace("}", "}}"))
    return {"id": rule_id, **texts, "severity": severity, "deduction": deduction, "on": on,
            "detail": _detail(detail, built), "params": built.params, "labels": built.labels, "when": when}


def _row(form, n: int, on: str, built: _Built) -> dict:
    """Row n of the conditions as an operator table (negated if asked)."""
    op, where = form.get(f"c{n}.op", ""), f"条件 {n}"
    if op not in ROW_OPS:
        raise FormError(f"c{n}.op", f"{where}：请从列表中选择")
    if on == "visit" and op not in VISIT_OPS:
        raise FormError(f"c{n}.op", f"{where}：「{ROW_OPS[op].rstrip('：')}」说的是一句话，只能用于"
                        "逐句判断的规则；整次来访判断可用「整次来访没有一句」「句子数」「办理用时」"
                        "「无人说话」")
    if op == "line":
        cond = _said(form, n, built, where)
        if not cond:
            raise FormError(f"c{n}.who", f"{where}：请选择说话人或说的内容")
    elif op in ("followed", "after", "absent", "count"):
        said = _said(form, n, built, where)
        if not said and op in ("absent", "count"):
            raise FormError(f"c{n}.who", f"{where}：请选择说话人或说的内容")
        cond = {op: {**said, **_modifiers(form, n, op, built, where)}}
    else:
        unit = UNITS[op]
        whole = unit == "句"
        value = _number(form, f"c{n}.number", f"{where}（{ROW_OPS[op]}）",
                        TURNS if whole else RULE_NUMBER)
        cond = {op: built.param(f"n{n}", value, f"条件{n}：{ROW_OPS[op]}几{unit}")}
    return {"not": cond} if form.get(f"c{n}.not") else cond


def _said(form, n: int, built: _Built, where: str) -> dict:
    """Who says the line and what it says (role, kind, phrase, says, regex)."""
    out = {}
    who = form.get(f"c{n}.who", "")
    if who not in WHO_LABELS:
        raise FormError(f"c{n}.who", f"{where}：说话人请从列表中选择")
    if who:
        out["role"] = who
    what = form.get(f"c{n}.what", "")
    if what not in SAYS:
        raise FormError(f"c{n}.what", f"{where}：说的内容请从列表中选择")
    if what == "kind":
        kind = form.get(f"c{n}.kind", "")
        if kind not in KINDS:
            raise FormError(f"c{n}.kind", f"{where}：用语类别请从列表中选择")
        out["kind"] = [kind]
    elif what in ("phrase", "says"):
        words = [w.strip() for w in re.split(r"[、,，;；\s]+", form.get(f"c{n}.text", ""))
                 if w.strip()]
        if not words:
            raise FormError(f"c{n}.text", f"{where}：请写至少一个{'用语' if what == 'phrase' else '词'}"
                            "（用顿号或逗号分隔）")
        out[what] = built.param(f"words{n}", words, f"条件{n}的{'用语' if what == 'phrase' else '词'}")
    elif what == "regex":
        out["regex"] = built.param(f"regex{n}", _regex(form, n, built, where),
                                   f"条件{n}的正则表达式")
    return out


def _regex(form, n: int, built: _Built, where: str) -> str:
    text = form.get(f"c{n}.text", "").strip()
    if not text:
        raise FormError(f"c{n}.text", f"{where}：请写正则表达式")
    unknown = [name for name in WORD_CLASS.findall(text) if name not in built.params]
    if unknown:
        raise FormError(f"c{n}.text", f"{where}：正则表达式里的 {{{unknown[0]}}} 不是前面条件的词表"
                        f"（可用：{'、'.join('{' + p + '}' for p in built.params) or '无'}）")
    try:
        re.compile(expand(text, built.params))
    except (re.error, ValueError) as exc:
        raise FormError(f"c{n}.text", f"{where}：正则表达式写得不对（{exc}）") from None
    return text


def _modifiers(form, n: int, op: str, built: _Built, where: str) -> dict:
    """How far a sequenced row looks (within N turns or seconds, this line included), or
    how many lines a count asks for."""
    if op == "count":
        bound = form.get(f"c{n}.bound", "at_least")
        if bound not in BOUND_LABELS:
            raise FormError(f"c{n}.bound", f"{where}：请选择至少或至多")
        return {bound: int(_number(form, f"c{n}.number", f"{where}（句数）",
                                   Range(0, 1000, integer=True)))}
    if op == "absent":
        return {}
    unit = form.get(f"c{n}.unit", "turns")
    if unit not in WITHIN_LABELS:
        raise FormError(f"c{n}.unit", f"{where}：请选择句内或秒内")
    head = "其后" if op == "followed" else "此前"
    value = _number(form, f"c{n}.number", f"{where}（{head}几{WITHIN_LABELS[unit][0]}内）",
                    TURNS if unit == "turns" else RULE_NUMBER)
    label = f"条件{n}：{head}几{'句' if unit == 'turns' else '秒'}内"
    out = {("within_turns" if unit == "turns" else "within_s"): built.param(f"n{n}", value, label)}
    if op == "followed" and form.get(f"c{n}.same"):
        out["same"] = True
    return out


def _number(form, field: str, label: str, bound: Range):
    text = form.get(field, "").strip()
    try:
        value = int(text) if bound.integer else float(text)
    except ValueError:
        raise FormError(field, f"{label}：请填{'整数' if bound.integer else '数字'}"
                        + (f"，不是“{text}”" if text else "")) from None
    if not bound.low <= value <= bound.high:
        raise FormError(field, f"{label}：须在 {bound.text()} 之间，不是 {text}")
    return value


def _detail(detail: str, built: _Built) -> str:
    """The detail as a finding's: what it quotes named in Chinese ({原话}) as the rule names
    them ({quote}); a brace that quotes nothing known is the one error."""
    detail = re.sub(r"\{(\w+)\}", lambda m: "{" + QUOTES.get(m.group(1), m.group(1)) + "}",
                    detail)
    try:
        names = {name for name in re.findall(r"\{(\w*)\}", detail)}
        detail.format(**{name: "" for name in names})
    except (ValueError, IndexError, KeyError):
        raise FormError("detail", "检出说明：花括号只能用来引用 {原话}、{听到的词}、{句数}") from None
    unknown = sorted(names - set(QUOTES.values()) - set(built.params))
    if unknown:
        raise FormError("detail", f"检出说明：不认识 {{{unknown[0]}}}；可引用 {{原话}}、{{听到的词}}、"
                        "{句数}")
    return detail


def choices() -> dict:
    """The form's lists, as its template shows them."""
    return {"ops": ROW_OPS, "units": UNITS, "says": SAYS, "who": WHO_LABELS,
            "kinds": {k: phrase_kind_label(k) for k in KINDS}, "within": WITHIN_LABELS,
            "bounds": BOUND_LABELS, "on": ON_LABELS, "join": JOIN_LABELS, "rows": ROWS,
            "visit_ops": VISIT_OPS, "id_hint": ID_HINT}
