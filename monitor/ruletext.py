"""A rule written as data, in the Chinese a supervisor reads (the rules page, `courtesy
rules list`): each condition one line, nested as the rule nests them."""
from __future__ import annotations

from .ruledata import WORD_CLASS, Condition, NormRule
from .vocabulary import INTENT_LABELS, LACK_LABELS, ROLE_LABELS, phrase_kind_label

ON_WORDS = {"line": "逐句判断：符合下列条件的每一句记一次",
            "hit": "逐个用语判断：符合下列条件的句子里，每听到一个{hits}记一次",
            "visit": "整次来访判断：符合下列条件时记一次"}


class Values(dict):
    """The values a rule reads now, with the Chinese name of each parameter (its `labels`)."""

    def __init__(self, params: dict, labels: dict | None = None):
        super().__init__(params)
        self.labels = labels or {}

    def named(self, name: str) -> str:
        return f"「{self.labels[name]}」" if name in self.labels else name


def _measure(value, unit: str, params: Values) -> str:
    """A number or words with its unit, then the parameter it is (1 句内（参数「…」）)."""
    number = _plain(params.get(value[1:], "?") if _named(value) else value)
    shown = f"{number} {unit}" if unit else number
    return f"{shown}（参数 {params.named(value[1:])}）" if _named(value) else shown


def _named(value) -> bool:
    return isinstance(value, str) and value.startswith("$")


def _plain(value) -> str:
    if value is None:
        return "（未设置）"
    if isinstance(value, (tuple, list)):
        return "、".join(f"「{v}」" for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _kinds(value, params: dict) -> str:
    kinds = params.get(value[1:], ()) if isinstance(value, str) else value
    return "或".join(f"「{phrase_kind_label(k)}」" for k in kinds)


def _leaf(cond: Condition, params: dict) -> str:
    def v(unit: str = "") -> str:  # the value with its unit, then the parameter it is
        return _measure(cond.value, unit, params)
    words = {
        "role": lambda: f"{ROLE_LABELS.get(cond.value, cond.value)}说的",
        "kind": lambda: f"听到{_kinds(cond.value, params)}类用语",
        "phrase": lambda: f"听到下列用语之一：{v()}",
        "regex": lambda: f"文字符合{_regex(cond.value, params)}",
        "intent": lambda: "按句子结构读出的句意是" + "或".join(
            f"「{INTENT_LABELS.get(name, name)}」" for name in (
                params.get(cond.value[1:], ()) if isinstance(cond.value, str) else cond.value)),
        "materials": lambda: "按句子结构读出的缺材料说法是" + "或".join(
            f"「{LACK_LABELS.get(name, name)}」" for name in (
                params.get(cond.value[1:], ()) if isinstance(cond.value, str) else cond.value)),
        "count_listed": lambda: f"说了需要几样而列出的更少（{_regex(cond.value, params)}）",
        "says": lambda: f"说了下列词之一：{v()}",
        "first": lambda: f"是工作人员的前几句之一：前 {v('句')}",
        "last": lambda: f"是工作人员的最后几句之一：最后 {v('句')}",
        "unsure": lambda: "说话人是谁没有把握" if cond.value else "说话人已确定",
        "louder": lambda: f"音量高于 {v('dBFS')}",
        "interrupts": lambda: f"顾客还在说时开口，重叠超过 {v('秒')}",
        "due": lambda: f"这句说完已过 {v('秒')}（或来访已结束）",
        "rate_over": lambda: f"语速快于每分钟 {v('字')}",
        "rate_under": lambda: f"语速慢于每分钟 {v('字')}",
        "duration_over": lambda: f"办理用时超过 {v('秒')}",
        "silence_over": lambda: f"无人说话超过 {v('秒')}",
        "closed": lambda: "来访已结束" if cond.value else "来访仍在进行",
    }
    return words[cond.op]()


def _regex(value: str, params: Values) -> str:
    """A regular expression by its parameter's name and the word classes it is built of
    (正则表达式「推脱说法」，由「词类：本窗口自称」、…组成), or as written."""
    if not value.startswith("$"):
        return f"正则表达式 {value}"
    text = params.get(value[1:])
    parts = [params.named(name) for name in dict.fromkeys(WORD_CLASS.findall(text or ""))
             if isinstance(params.get(name), (tuple, list))
             or WORD_CLASS.search(str(params.get(name, "")))]
    built = f"，由{'、'.join(parts)}组成" if parts else ""
    return f"正则表达式{params.named(value[1:])}{built}"


def _things_by(value, params: Values) -> str:
    """How a thing's name is read: by the materials reader, or by an expression."""
    return "按句子结构读出的材料名称" if value is True else _regex(value, params)


def _nested_head(cond: Condition, params: dict) -> str:
    within = (_measure(cond.within_s, "秒内", params) if cond.within_s is not None
              else _measure(cond.within_turns, "句内", params))
    return {
        "after": f"在此前 {within}，有一句：",
        "followed": f"在其后 {within}{'（含本句）' if cond.same else ''}，有一句：",
        "absent": "整次来访中没有一句：",
        "returned": "同日此前办过同一业务（排队业务类型相同，或顾客说的话与那次相同）"
                    + (f"，本句提到那次工作人员没提过的材料（{_things_by(cond.value, params)}）"
                       if cond.value else "") + "，那次有一句：",
        "count": "符合下列条件的句子" + (f"至少 {cond.at_least} 句" if cond.at_least is not None
                                  else "") + (f"至多 {cond.at_most} 句" if cond.at_most is not None
                                             else "") + "：",
    }[cond.op]


def lines(cond: Condition, params: dict, depth: int = 0) -> list[tuple[int, str]]:
    """The condition as (depth, text) lines."""
    if cond.op in ("all", "any"):
        head = "以下全部成立：" if cond.op == "all" else "以下任一成立："
        return [(depth, head)] + [line for part in cond.parts
                                  for line in lines(part, params, depth + 1)]
    if cond.op == "not":
        return [(depth, "以下不成立：")] + lines(cond.parts[0], params, depth + 1)
    if cond.op in ("after", "followed", "absent", "returned", "count"):
        inner = [line for part in cond.parts for line in lines(part, params, depth + 1)]
        return [(depth, _nested_head(cond, params))] + inner
    return [(depth, _leaf(cond, params))]


def describe(rule: NormRule, params: dict) -> list[tuple[int, str]]:
    """How the rule judges, as (depth, text) lines; `params`: the values it reads now."""
    hits = "或".join(f"「{phrase_kind_label(k)}」" for k in rule.hits)
    head = ON_WORDS[rule.on].format(hits=hits)
    return [(0, head)] + lines(rule.when, Values(params, rule.labels), 1)
