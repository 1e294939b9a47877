"""Rules written as data (`ruledata.NormRule`) evaluated over one visit (`rules.VisitView`).

A condition is asked of a line (or, for the visit's own conditions, of the visit) and
answers whether it holds and with what `Evidence`: the lines the finding rests on (their
roles, heard unsure, make it wait for a person as the code rules do), the stretches where
something was missing (a line heard as the customer's there may have been it), the span to
show, the hit found and what was measured (for the finding's detail).
"""
from __future__ import annotations

import logging
import re
from difflib import SequenceMatcher
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from . import intent, materials
from .records import Finding, PhraseHit
from .ruledata import Condition, NormRule, expand
from .rules import Rule, RuleOptions, VisitView, _finding, _has_marker


@dataclass
class Evidence:
    lines: set[int] = field(default_factory=set)
    between: list[tuple[float, float]] = field(default_factory=list)
    span: tuple[float, float] | None = None
    hit: PhraseHit | None = None
    values: dict = field(default_factory=dict)

    def add(self, other: "Evidence") -> "Evidence":
        self.lines |= other.lines
        self.between += other.between
        self.span = self.span or other.span
        self.hit = self.hit or other.hit
        self.values = {**other.values, **self.values}
        return self


NO = (False, Evidence())


@dataclass
class Context:
    """One rule asked of one visit, with the profile's options."""

    view: VisitView
    options: RuleOptions
    rule: NormRule
    patterns: dict[str, re.Pattern] = field(default_factory=dict)  # by the value naming one

    def value(self, value):
        """A number or word list as written, or the "$name" parameter it names (the rule's
        own, else the profile's rule option)."""
        if isinstance(value, str) and value.startswith("$"):
            name = value[1:]
            return self.rule.params[name] if name in self.rule.params else getattr(
                self.options, name)
        return value

    def by_role(self, role: str | None) -> list[int]:
        return self.view.by(role) if role else list(self.view.indices)


def check(cond: Condition, ctx: Context, i: int | None) -> tuple[bool, Evidence]:
    """Does `cond` hold of line `i` (None: of the visit)?"""
    return _OPS[cond.op](cond, ctx, i)


def _all(cond, ctx, i):
    out = Evidence()
    for part in cond.parts:
        ok, ev = check(part, ctx, i)
        if not ok:
            return False, ev
        out.add(ev)
    return True, out


def _any(cond, ctx, i):
    missed = Evidence()
    for part in cond.parts:
        ok, ev = check(part, ctx, i)
        if ok:
            return True, ev
        missed.between += ev.between
    return False, missed


def _not(cond, ctx, i):
    ok, ev = check(cond.parts[0], ctx, i)
    return (False, Evidence()) if ok else (True, Evidence(between=ev.between))


def _line(test: Callable) -> Callable:
    """An operator asked of one line; of the visit it never holds."""
    def op(cond, ctx, i):
        if i is None:
            return NO
        return test(cond, ctx, i)
    return op


def _hit_of(ctx: Context, i: int, wanted: Callable[[PhraseHit], bool]):
    hit = next((h for h in ctx.view.hits.get(i, ()) if wanted(h)), None)
    if hit is None:
        return NO
    return True, Evidence(hit=hit, values={"phrase": hit.phrase, "matched": hit.matched})


def _kind(cond, ctx, i):
    kinds = ctx.value(cond.value)
    return _hit_of(ctx, i, lambda h: h.kind in kinds)


def _phrase(cond, ctx, i):
    phrases = ctx.value(cond.value)
    return _hit_of(ctx, i, lambda h: h.phrase in phrases)


def _pattern(ctx: Context, value: str) -> re.Pattern:
    """The condition's regular expression with the rule's word classes as they stand now (a
    hall's change to a word list changes every expression naming it); looked up once per
    rule and visit, not per line (the word classes, as the key, are long)."""
    found = ctx.patterns.get(value)
    if found is None:
        params = tuple((k, tuple(v) if isinstance(v, list) else v)
                       for k, v in ctx.rule.params.items())
        found = ctx.patterns[value] = _compiled(ctx.value(value), params)
    return found


@lru_cache(maxsize=256)
def _compiled(text: str, params: tuple) -> re.Pattern:
    """A hall's change may make an expression name itself: then it is read as written (as
    the change was checked), never a failure of the judging."""
    try:
        return re.compile(expand(text, dict(params)))
    except (ValueError, re.error):
        return re.compile(text)


def _regex(cond, ctx, i):
    found = _matched(_pattern(ctx, cond.value), ctx.view.utterances[i].text or "")
    return (True, Evidence(values={"matched": found})) if found is not None else NO


@lru_cache(maxsize=32768)
def _matched(pattern: re.Pattern, text: str) -> str | None:
    """What the expression matches in a line: live, a visit is judged again on every partial
    result and tick, its earlier lines unchanged."""
    found = pattern.search(text)
    return found.group(0) if found else None


def _intent(cond, ctx, i):
    """What the line does, read by its structure (intent.read): the clause read is quoted."""
    text = ctx.view.utterances[i].text or ""
    found = next((c for name in ctx.value(cond.value) if (c := intent.said(text, name))), "")
    return (True, Evidence(values={"matched": found})) if found else NO


def _materials(cond, ctx, i):
    """What the line says is missing, read by its structure (materials.read): the clause
    saying so is quoted."""
    lack = materials.read(ctx.view.utterances[i].text or "")
    if not any(lack.has(name) for name in ctx.value(cond.value)):
        return NO
    return True, Evidence(values={"matched": lack.said})


def _says(cond, ctx, i):
    return (_has_marker(ctx.view.norms[i], ctx.value(cond.value)), Evidence())


def _turns(cond, ctx, i):
    staff = ctx.view.by("staff")
    n = int(ctx.value(cond.value))
    chosen = staff[:n] if cond.op == "first" else staff[-n:] if n else []
    return i in chosen, Evidence()


def _unsure(cond, ctx, i):
    return ctx.view.unsure(i, ctx.options.role_sure_at) == cond.value, Evidence()


def _louder(cond, ctx, i):
    limit, dbfs = ctx.value(cond.value), ctx.view.utterances[i].dbfs
    ok = limit is not None and dbfs is not None and dbfs > limit
    return ok, Evidence(values={"dbfs": dbfs})


def _interrupts(cond, ctx, i):
    """A staff line begun while a customer spoke, over them longer than the value."""
    view, limit = ctx.view, ctx.value(cond.value)
    staff = view.utterances[i]
    for j in view.by("customer"):
        other = view.utterances[j]
        overlap = min(other.end, staff.end) - staff.start
        if other.start < staff.start < other.end and overlap > limit:
            return True, Evidence({j}, span=(staff.start, staff.start + overlap),
                                  values={"overlap": overlap})
    return NO


def _due(cond, ctx, i):
    view = ctx.view
    return not view.open or view.now >= view.utterances[i].end + ctx.value(cond.value), Evidence()


def _rate(cond, ctx, i):
    view, u = ctx.view, ctx.view.utterances[i]
    duration = u.end - u.start
    if duration < ctx.options.min_rate_duration_s or not view.norms[i]:
        return NO
    rate, limit = len(view.norms[i]) / duration * 60, ctx.value(cond.value)
    ok = rate > limit if cond.op == "rate_over" else rate < limit
    return ok, Evidence(values={"rate": rate})


def _role(cond, ctx, i):
    return ctx.view.utterances[i].role == cond.value, Evidence()


def _window(cond, ctx, i, later: bool) -> tuple[list[int], tuple[float, float], bool]:
    """The lines `after`/`followed` look at from line i, the stretch they cover, and
    whether it is still open (a visit in progress may yet say it)."""
    view = ctx.view
    u = view.utterances[i]
    inner_role = _role_of(cond.parts[0]) if cond.parts else None
    lines = ctx.by_role(inner_role)
    if cond.within_s is not None:
        limit = ctx.value(cond.within_s)
        if later:
            chosen = [j for j in lines if u.start < view.utterances[j].start <= u.end + limit]
            return chosen, (u.end, u.end + limit), view.open and view.now < u.end + limit
        chosen = [j for j in lines if j != i and view.utterances[j].start < u.start
                  and u.start - view.utterances[j].end <= limit]
        return chosen, (u.start - limit, u.start), False
    n = int(ctx.value(cond.within_turns))
    order = list(view.indices)
    place = order.index(i)
    if later:
        chosen = [j for j in lines if order.index(j) > place][:n]
        end = view.utterances[chosen[-1]].end if len(chosen) == n and n else view.end
        return chosen, (u.end, end), view.open and len(chosen) < n
    chosen = [j for j in lines if order.index(j) < place][-n:] if n else []
    return chosen, (view.start, u.start), False


def _role_of(cond: Condition) -> str | None:
    if cond.op == "role":
        return cond.value
    if cond.op == "all":
        return next((p.value for p in cond.parts if p.op == "role"), None)
    return None


def _related(cond, ctx, i, later: bool):
    if i is None:
        return NO
    chosen, stretch, still_open = _window(cond, ctx, i, later)
    if later and cond.same:
        chosen = [i] + chosen
    for j in chosen:
        ok, ev = check(cond.parts[0], ctx, j) if cond.parts else (True, Evidence())
        if ok:
            return True, ev.add(Evidence({j}))
    if still_open:
        return True, Evidence()  # not due yet
    return False, Evidence(between=[stretch])


def _absent(cond, ctx, i):
    view = ctx.view
    if any(check(cond.parts[0], ctx, j)[0] for j in view.indices):
        return NO
    return True, Evidence(between=[(view.start, view.end)])


def _count(cond, ctx, i):
    n = sum(check(cond.parts[0], ctx, j)[0] for j in ctx.view.indices)
    low = ctx.value(cond.at_least) if cond.at_least is not None else 0
    high = ctx.value(cond.at_most) if cond.at_most is not None else n
    return low <= n <= high, Evidence(values={"count": n})


def _duration(cond, ctx, i):
    view, limit = ctx.view, ctx.value(cond.value)
    if limit is None or view.end - view.start <= limit:
        return NO
    return True, Evidence(span=(view.start + limit, view.end),
                          values={"duration": view.end - view.start})


def _silence(cond, ctx, i):
    """A stretch in which nobody spoke, longer than the value."""
    view, limit = ctx.view, ctx.value(cond.value)
    latest = None
    for j in view.indices:
        u = view.utterances[j]
        if latest is not None and u.start - latest > limit:
            return True, Evidence(span=(latest, u.start), values={"silence": u.start - latest})
        latest = u.end if latest is None else max(latest, u.end)
    return NO


def _closed(cond, ctx, i):
    return (not ctx.view.open) == cond.value, Evidence()


def _returned(cond, ctx, i):
    """The same business seen earlier the same day (an earlier visit of the session with
    the queue's business type, else whose lines share the customer's words here), where a
    line held the inner condition (what was said then: 还缺户口本). With `new`, line i must
    name a thing the staff of that visit did not name (还需要身份证 after 还缺准迁证); the
    visits returned to are those whose named things are most like what the customer brings
    now (准迁证带来了: another customer's may name it too), and where one of them was told
    all that is asked now, it is a reminder, nothing new; else any of them, the latest
    first (东西拿来了 says not whose). Bringing nothing told then, several new things at
    once are the business's list told afresh (another matter of the same customer), not
    more of a visit known by the business alone. Two names are one thing when one ends
    the other (身份证, 患者身份证), never when their qualifiers differ (原户主身份证,
    新户主身份证)."""
    view = ctx.view
    names = (lambda text: _names_in(ctx, cond.value, text)) if cond.value else None
    seen = [(before, j) for before in reversed(view.earlier)
            for j in [_holding(cond, Context(before, ctx.options, ctx.rule), view, names)]
            if j is not None]
    if not seen or not cond.value:
        return (True, Evidence(values={"earlier": seen[0][0].quote(seen[0][1])})) if seen else NO
    spoken = names(_customer_text(view))
    asked = _names_in(ctx, cond.value, view.utterances[i].text or "", nouns=True)
    told = [(b, j, _things(cond, Context(b, ctx.options, ctx.rule))) for b, j in seen]
    alike = [_alike(spoken, said) for _, _, said in told]
    best = max(alike)
    news = [(b, j, sorted(name for name in asked if not _named_among({name}, said)))
            for (b, j, said), near in zip(told, alike) if near == best]
    if best and any(not new for *_, new in news):
        return NO
    news = [(b, j, new) for b, j, new in news if new and (best or len(new) < 2)]
    if not news:
        return NO
    before, j, new = news[0]
    return True, Evidence(values={"earlier": before.quote(j), "new": "、".join(new)})


def _alike(brought: set[str], told: set[str]) -> float:
    """How alike what a customer brings is to what a visit was told: the share of what was
    told that is brought and of what is brought that was told, averaged (one name ending
    the other is one thing)."""
    if not brought or not told:
        return 0.0
    return (sum(_named_among({name}, brought) for name in told) / len(told)
            + sum(_named_among({name}, told) for name in brought) / len(brought)) / 2


def _holding(cond, sub: Context, now: VisitView, names=None) -> int | None:
    """The first line of an earlier visit of the same business holding the inner condition."""
    return next((j for j in sub.view.indices if (not cond.parts or check(cond.parts[0], sub, j)[0])
                 and _same_business(sub.view, now, j, names=names)), None)


def _named_among(names: set[str], among: set[str]) -> bool:
    """Whether one of the names is one of those named among: the same thing, one name
    ending the other, 的 or no 的 (房东的联系方式, 房东联系方式)."""
    plain = [(a.replace("的", ""), b.replace("的", "")) for a in names for b in among]
    return any(a.endswith(b) or b.endswith(a) for a, b in plain)


def _names_in(ctx: Context, value: str | bool, text: str, nouns: bool = False) -> set[str]:
    """The things a text names: with `new = true`, as the materials reader reads them
    (materials.names; `nouns` for the staff's lines, asking them now or telling them then:
    您回去把旧的机顶盒找出来; never for the customer's words that find the visit returned
    to, where a noun no list holds would make two businesses alike); else the expression's
    (the group `name` where it has one, else its match). A name of one character is an ending alone (证, 书), which would be one thing
    with every name it ends."""
    if value is True:
        return set(materials.names(text, nouns=nouns))
    pattern = _pattern(ctx, value)
    group = "name" if "name" in pattern.groupindex else 0
    return {name for found in pattern.finditer(text) for name in [found.group(group)]
            if len(name) > 1}


def _things(cond, sub: Context) -> set[str]:
    """The things the staff of a visit named as needed: in its lines holding the inner
    condition (还缺户口本; not 我看一下您的信息)."""
    return _names_in(sub, cond.value, "|".join(
        sub.view.utterances[j].text or "" for j in sub.view.by("staff")
        if not cond.parts or check(cond.parts[0], sub, j)[0]), nouns=True)


def _count_listed(cond, ctx, i):
    """A statement of how many things are needed that lists fewer (还要三样：身份证、户口本):
    the regex's group `n` is the number said, group `items` the list after it (to its
    sentence's end), its pieces cut at joining words (`_joined`); the list goes on in the
    line's later sentences, a piece there counted if it names a thing by its ending (the
    rule's `material` class: 还差两样。一个是户口本。另一个是结婚证)."""
    text = ctx.view.utterances[i].text or ""
    found = _pattern(ctx, cond.value).search(text)
    if not found:
        return NO
    said = _NUMBERS.get(found.group("n"), 0)
    endings = tuple(ctx.value("$material")) if "material" in ctx.rule.params else ()
    items = [piece for part in _SEPARATORS.split(found.group("items") or "")
             for piece in _joined(part, endings)
             if not _FILLER.fullmatch(_NOT_HAN.sub("", piece))]
    later = _SENTENCE_END.search(text, found.end("items"))
    more = [piece for part in _SEPARATORS.split(text[later.end():] if later else "")
            for piece in _joined(part, endings) if _names_a_thing(piece, endings)]
    listed = len(items) + len(more)
    return 0 < listed < said, Evidence(values={"matched": found.group(0)})


@lru_cache(maxsize=1024)
def _joined(part: str, endings: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A list's piece split at a joining word said as a word of its own (户口簿加结婚证), not
    where the character is inside a name (合同, 同意书, 参加): jieba's words tell them apart;
    and, with the things' `endings`, at any short word that is no noun between two names
    (户口簿并结婚证, 身份证搭上户口本: a joiner of any wording), not inside one name
    (燃气表读数照片, 户口簿全页复印件)."""
    if not _JOINERS.search(part) and not endings:
        return (part,)
    words = _jieba().posseg.lcut(part) if endings else [_Word(w, "") for w in _words(part)]
    pieces, current, k = [], "", 0
    while k < len(words):
        word = words[k].word
        link = _link(words, k, endings) if endings and current.endswith(endings) else 0
        if word in _JOINER_WORDS or link:
            pieces.append(current)
            current = ""
            k += max(link, 1)
            continue
        current += word
        k += 1
    return (*pieces, current)


@dataclass(frozen=True)
class _Word:
    word: str
    flag: str


_LINKS = ("c", "p", "a")  # jieba's tags of a word joining two names (并, 与, 连同)


def _link(words, k: int, endings: tuple[str, ...]) -> int:
    """How many words from k join two things' names, 0 if none: a conjunction, preposition
    or the like, or a verb of one character with its direction (搭上); not a verb of two
    (受理 of 身份证受理回执), which is inside a name as often as between two. The next
    word is a name of two characters or more."""
    word = words[k]
    size = (1 if word.flag in _LINKS and len(word.word) <= 3 else
            2 if (word.flag == "v" and len(word.word) == 1 and k + 1 < len(words)
                  and words[k + 1].flag == "f") else 0)
    after = words[k + size] if size and k + size < len(words) else None
    return size if after is not None and len(after.word) > 1 and after.word.endswith(
        endings) else 0


_NUMBERS = {**{c: n for n, c in enumerate("零一二三四五六七八九十")}, "两": 2, "俩": 2, "仨": 3,
            **{str(n): n for n in range(10)}}
_SEPARATORS = re.compile(r"还有就是|再就是|再一个|以及|加上|外加|还有|一个是|另外|[、，,；;]")
_JOINER_WORDS = frozenset("和跟与同及加")
_JOINERS = re.compile("[和跟与同及加]")
# what is left of a list's piece that names nothing: 第 (of 第一个是), 那个…… (还有那个……),
# an opener (头一个是, 先说一个, 其中, 比如) or a joiner's 再 (再加)
_FILLER = re.compile(r"(?:那个|这个|这些|那些|什么的|之类的?|等等|等|第|头|先说|首先|其中|最后|比如|"
                     r"包括|再|另|还|一个|吧|呢|啊|嘛|儿)*")
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]")
_SENTENCE_END = re.compile(r"[。？！?!]")


def _names_a_thing(piece: str, endings: tuple[str, ...]) -> bool:
    """Whether a piece of a later sentence names a thing: one of jieba's words of two
    characters or more ends as a thing's name does (一件 of 一件是房产证 names none)."""
    return any(len(word) > 1 and word.endswith(endings) and not word[0] in _COUNTING
               for word in _words(piece))


_COUNTING = set("一二三四五六七八九十两俩几第这那每各")


def _same_business(before: VisitView, now: VisitView, said_then: int, least: int = 3,
                   names: Callable[[str], set[str]] | None = None) -> bool:
    """The queue's business types where both visits have one, else words: what the
    customer says now shares a run of `least` characters (医保卡, 居住证) or a noun (开户,
    贷款: a business's name is often two characters) with what the customer said before
    or the line `said_then`. With `names` (the things a text names), a thing named in both
    is the same business, and what is left of two other things' names (原件 of 护照原件 and
    身份证原件) is not."""
    if before.business and now.business:
        return before.business == now.business
    said = _customer_text(before) + "|" + (before.utterances[said_then].text or "")
    again = _customer_text(now)
    if not said or not again:
        return False
    if names:
        named_then, named_now = names(said), names(again)
        if _named_among(named_then, named_now):
            return True
        said, again = _without(said, named_then), _without(again, named_now)
    return _shared_run(said, again) >= least or bool(_nouns(said) & _nouns(again))


def _without(text: str, names: set[str]) -> str:
    """The text with each name cut out (a stop where it was)."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "|")
    return text


_STOP = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]")
# what any customer says of any business (你好，我想办…, 我上午来过): a run of these alone
# shares no business
_GENERIC = set("你您我他她们好是又再还来过了的吗吧啊呢上午早下刚才现在今天想要办问一下这那个就在去回")


def _shared_run(said: str, again: str) -> int:
    """The longest run of characters two texts share within a clause (not across a comma:
    你好，我…) with a character of its own (not 我想办一下)."""
    said, again = _STOP.sub("|", said), _STOP.sub("#", again)
    matcher = SequenceMatcher(None, said, again, autojunk=False)
    return max((block.size for block in matcher.get_matching_blocks()
                if set(said[block.a:block.a + block.size]) - _GENERIC), default=0)


NOUNS = ("n", "nz", "vn", "nt")  # jieba's tags of the nouns a business is named by


@lru_cache(maxsize=1024)
def _nouns(text: str) -> frozenset[str]:
    """The nouns of two characters or more in a text (jieba's part-of-speech tags)."""
    return frozenset(w.word for w in _jieba().posseg.lcut(text) if w.flag in NOUNS
                     and len(w.word) >= 2)


def _words(text: str) -> list[str]:
    return _jieba().lcut(text)


def _jieba():
    """jieba, loaded on the first text it must cut, not at import."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # its loading notes are no hall's reading
    return jieba


def _customer_text(view: VisitView) -> str:
    return "|".join(view.utterances[i].text or "" for i in view.by("customer"))


_OPS = {
    "all": _all, "any": _any, "not": _not, "role": _line(_role), "kind": _line(_kind),
    "phrase": _line(_phrase), "regex": _line(_regex), "says": _line(_says),
    "intent": _line(_intent), "materials": _line(_materials),
    "first": _line(_turns), "last": _line(_turns), "unsure": _line(_unsure),
    "louder": _line(_louder), "interrupts": _line(_interrupts), "due": _line(_due),
    "rate_over": _line(_rate), "rate_under": _line(_rate),
    "after": lambda c, x, i: _related(c, x, i, later=False),
    "followed": lambda c, x, i: _related(c, x, i, later=True),
    "returned": _line(_returned), "count_listed": _line(_count_listed), "absent": _absent,
    "count": _count, "duration_over": _duration, "silence_over": _silence, "closed": _closed,
}


def findings(rule: NormRule, view: VisitView, options: RuleOptions) -> list[Finding]:
    """The rule's findings on one visit, in the order the lines were spoken."""
    ctx = Context(view, options, rule)
    if rule.on == "visit":
        return _visit_finding(ctx)
    out = []
    for i in view.indices:
        ok, ev = check(rule.when, ctx, i)
        if not ok:
            continue
        if rule.on == "hit":
            out += [_made(ctx, ev, h.start, h.end, h.matched, [i], hit=h)
                    for kind in rule.hits for h in view.said(i, kind)]
            continue
        u = view.utterances[i]
        start, end = ev.span or ((ev.hit.start, ev.hit.end) if rule.at == "hit" and ev.hit
                                 else (u.start, u.end))
        out.append(_made(ctx, ev, start, end, view.quote(i), [i]))
    return out


def _visit_finding(ctx: Context) -> list[Finding]:
    view, rule = ctx.view, ctx.rule
    ok, ev = check(rule.when, ctx, None)
    staff = view.by("staff")
    if not ok or (rule.place != "span" and not staff):
        return []
    if rule.place == "span":
        start, end = ev.span or (view.start, view.end)
        return [_made(ctx, ev, start, end, "", [])]
    at = staff[-1] if rule.place == "last_staff" else staff[0]
    u = view.utterances[at]
    return [_made(ctx, ev, u.start, u.end, view.quote(at), [])]


def _made(ctx: Context, ev: Evidence, start: float, end: float, text: str, lines: list[int],
          hit: PhraseHit | None = None) -> Finding:
    """A finding of the rule, its detail filled in, resting on the evidence's roles."""
    view, rule, options = ctx.view, ctx.rule, ctx.options
    values = {**{name: ctx.value(f"${name}") for _, name in rule.refs}, **rule.params,
              "quote": text, **ev.values}
    if hit is not None:
        values.update(phrase=hit.phrase, matched=hit.matched,
                      heard=f"（听到「{hit.matched}」）" if hit.matched != hit.phrase else "")
    values.setdefault("heard", "")
    chosen = set(lines) | ev.lines | {
        j for low, high in ev.between for j in view.by("customer")
        if view.utterances[j].start <= high and view.utterances[j].end >= low}
    severity = hit.severity if hit is not None and rule.phrase_severity else None
    category = hit.category if hit is not None and rule.phrase_severity else rule.category
    return _finding(rule.id, start, end, text, options, rule.detail.format_map(_Values(values)),
                    severity=severity, category=category,
                    doubt=view.doubt(options, sorted(chosen)))


class _Values(dict):
    """A detail's values; one a finding did not measure shows empty, never fails."""

    def __missing__(self, key):
        return ""


def compiled(norms) -> dict[str, Rule]:
    """Each rule written as data as a `rules.Rule` (a function of a visit and options)."""
    return {rule.id: (lambda view, options, rule=rule: findings(rule, view, options))
            for rule in norms}
