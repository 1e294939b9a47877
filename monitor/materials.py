"""What a clerk says is missing, read from a line's structure (issue 25, 一次性告知).

Patterns listing how a lack is said (还需要…, …没带) missed each new writer's wordings:
counts said as 仨, 两张单据 or 四样凭证, things named by what they end in (收款人英文名, 既往病历
资料), lacks said with no thing (材料不够数, 东西没带全). Here a line is cut into words (jieba)
and read by the word classes of `lexicons/words/materials.toml`: what lies between the words
of lacking, joining, asking and filler is a thing when it ends as a thing's name ends, or in
a noun (jieba's tags: 宽带光猫设备, 补卡工本费) with a lack said beside it; a number with a
measure word, said after a lack or before a word for materials or a short noun of kind and
followed by no name (还差两样, 俩单据没交, 四个本本没交, 两三个证明不全; not 身份证复印件两份,
三张两寸照片), is how many kinds are missing; a thing said to be there (户口本可以, 光有身份证不成)
is no lack. A line that lacks and names none is "missing, none named"; one that counts more
than it names is "fewer".
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lexicon import word_classes, words_file
from .normalize import char_syllable

KINDS = ("named", "unnamed", "fewer", "more")  # what a rule may ask of a line


@dataclass(frozen=True)
class Lack:
    """What one line says is missing: the things named as needed, how many kinds were
    said to be needed (0: no count), and the clause saying something is missing (empty:
    none)."""

    things: tuple[str, ...] = ()
    count: int = 0
    said: str = ""
    added: bool = False  # said as one more (还要…, …也得有, 对了…, 忘了说)
    others: tuple[str, ...] = ()  # lacking, though by no ending known (差了开户预留手机)

    @property
    def named(self) -> bool:
        return bool(self.said and (self.things or self.others))

    @property
    def unnamed(self) -> bool:
        return bool(self.said) and not self.things and not self.others

    @property
    def fewer(self) -> bool:
        return 0 < len(self.things) + len(self.others) < self.count

    @property
    def more(self) -> bool:
        return bool(self.said and self.things and self.added)

    def has(self, kind: str) -> bool:
        return getattr(self, kind)


NUMBERS = {**{c: n for n, c in enumerate("零一二三四五六七八九十")}, "两": 2, "俩": 2, "仨": 3,
           **{str(n): n for n in range(10)}}
_ALMOST = re.compile(r"差(?:一)?点儿?(?:就|没|忘|把|被|让|丢|掉)")
_ASKED_FOR = re.compile(r"([^，。？！,.?!]+)呢[？?]")  # 门诊病历呢？: where it is, so lacking
_STOPS = re.compile(r"[，。？！?!,.；;、：:…—|\s]+")  # | joins lines (conditions._customer_text)
_SENTENCE = re.compile(r"[^。？！?!；;]+")


def words_path() -> Path:
    return words_file("materials")


class _Words:
    """The classes as word sets and the structures built of them, once per words file."""

    def __init__(self, c: dict[str, str]):
        def words(name: str) -> frozenset[str]:
            return frozenset(w.replace("\\", "") for w in c[name][3:-1].split("|"))
        self.head = tuple(sorted(words("head"), key=len, reverse=True))
        self.general = words("general")
        self.received_words = words("received")
        self.lists = tuple(words("list"))
        self.fillers = words("filler")
        self.words = words("word")
        self.function = (words("lack") | words("filler") | words("joiner") | words("word")
                         | words("received") | words("only") | words("incomplete")
                         | words("particle"))
        lack, general, measure, particle = c["lack"], c["general"], c["measure"], c["particle"]
        self.lack = re.compile(lack)
        self.lacking = words("lack")
        self.lacking_long = re.compile("|".join(sorted((re.escape(x) for x in self.lacking
                                                        if len(x) > 1), key=len, reverse=True)))
        self.more = re.compile(c["more"])
        self.after = re.compile(c["after"])
        self.short = words("short")
        # what was brought (您准备的, 这些, 光这个): a lack said of it names no thing
        self.brought = re.compile(r"(?:准备|带|拿|交|备|提供)(?:的|得)|这些|这点|这么点|(?:光|就|只)这|"
                                  r"(?:您|你)这(?:套|份|个|些|里)?")
        self.wanting = re.compile(c["wanting"])
        self.heading = re.compile(c["heading"])
        self.condition = re.compile(rf"(?:{c['condition']})(?:您|你)?(?:有|带|拿|把|交|补|备)")
        self.incomplete = re.compile(c["incomplete"])
        # a thing there but poor (照片像素不够, 复印件不够清楚): said of how it is, no lack
        self.quality = re.compile(rf"(?:{c['quality']})(?:还|也|都|有点|有些|太)?"
                                  rf"(?:不够|不太够|不大够|不足|不达标)|不够(?:{c['degree']})")
        # the strong ones name a lack alone (不全, 没带齐); the rest only of materials (资料不对)
        self.alone = re.compile(r"不齐|不全|没(?!完)[\u4e00-\u9fff]{0,2}?[齐全](?![部面国])|"
                                r"没(?:准备|带|备|弄|拿|凑|交|搞|整|收)?够|缺东西|缺东少西|缺胳膊少腿|"
                                r"(?:少|缺|差)了?点(?:啥|什么|东西)(?![都也])|"
                                r"缺这少那|不够数|没准备好|还有没(?:带|交|拿|准备|提供)(?:来|过来|上来)?的|"
                                r"(?:光|就|只)(?:这|这些|这点|这个)[^，。]{0,3}(?:办不了|办不成|不行|不够)|"
                                r"还差着|差着呢|欠着呢|缺着呢|还缺着|"
                                rf"还(?:差|缺|少)(?:点儿?|些|一些|一截)(?={particle}*$)|"
                                r"还(?:少|缺|差)点(?:啥|什么|儿)|(?:差|缺|少)得(?:远|多)")
        # (带来就行: a need; 才 and 来就 say what would do, not what is there)
        self.received = re.compile(rf"^(?:(?!才|来就)(?:{c['word']}))*(?:{c['received']})(?!不|办)")
        self.only = re.compile(rf"(?:{c['only']})$")
        number = r"[两俩仨二三四五六七八九2-9]"
        self.count = re.compile(rf"(?P<n>{number}|一)(?:[两三四五六七八九](?=(?:{measure})))?"
                                rf"(?:(?:{measure}|[\u4e00-\u9fff](?={general}))(?:{general}){{0,2}}|"
                                rf"{general}|(?<=[俩仨]))")  # 四桩要件: a measure known by its place
        self.count_before = re.compile(rf"(?:(?:{lack})|一共|总共|共|有|还|是)"
                                       rf"[^，。？！,.?!]{{0,2}}$|^$")
        self.count_after = re.compile(rf"^{particle}*(?:$|[：:，,。！!？?]|(?:您|你)?(?:还)?(?:没|得|要|也)|"
                                      rf"(?:{lack})|(?:{c['incomplete']}))")
        self.general_re = re.compile(general)
        # how the words saying a lack sound, to read a homophone typed for one (环差 = 还差)
        self.sounds = {_sounds(x): x for x in sorted(
            self.lacking | self.short | words("after") | words("incomplete") | words("more")
            | self.received_words, key=len) if 1 < len(x) < 5}
        self.general_end = re.compile(rf"(?:{general})$")  # 缺点东西; not 手续费现金


@lru_cache(maxsize=4)
def _read_words(path: str) -> _Words:
    return word_classes(path, _Words)


def read(text: str, path: Path | None = None) -> Lack:
    """What a line says is missing (see the module's docstring)."""
    return _read(text or "", str(path or words_path()))


@lru_cache(maxsize=32768)
def _read(text: str, path: str) -> Lack:
    w = _read_words(path)
    text = _heard(w, text)
    said = next((clause for clause in _STOPS.split(text) if _says_lack(w, clause)), "") or next(
        (found.group(1) for found in _ASKED_FOR.finditer(text) if names(found.group(1))), ""
    ) or _heading(w, text) or _condition(w, text)
    if not said:
        return Lack()
    count, at = _count(w, text)
    idioms = [found.group(0) for found in w.alone.finditer(text)]
    idiom = "".join(idioms)
    found = [(t, known) for t, known in _things(w, text) if not (at and (t in at or at in t))
             and (known or not set(t) & set(idiom))  # 缺东少西: no thing in an idiom
             and not any(said[k:k + 2] in t for said in idioms for k in range(len(said) - 1))]
    things = tuple(t for t, known in found if known)
    others = tuple(t for t, known in found if not known)
    added = bool(w.more.search(text))
    if not found and count and len(at) > 2 and not w.general_re.search(at):
        return Lack((), 0, said, added, (at,))  # 还差两张照片: the count's noun is the thing
    if found or count:
        return Lack(things, count, said, added, others)
    return Lack((), 0, _unnamed(w, text), added)


def _sounds(text: str) -> tuple[str, ...]:
    return tuple(char_syllable(c) for c in text)


def _heard(w: _Words, text: str) -> str:
    """The line with a form no dictionary knows read as the lack word it sounds like (环差 =
    还差, 材料不其全 = 不齐全, 也药 = 也要, 还却 = 还缺): a homophone typed or heard for one,
    taken only from whole words of the line, or from inside a word jieba made up (不其全),
    never from inside a word it knows (介绍了 holds no 少了), nor of a negation (得不全 is
    no 得补)."""
    cuts, at = {0}, 0
    for word in _cut(text):
        if word not in _TAGS():
            cuts.update(range(at, at + len(word)))
        at += len(word)
        cuts.add(at)
    out, k = [], 0
    while k < len(text):
        heard = next(((n, word) for n in (4, 3, 2) if k in cuts and k + n in cuts
                      and text[k:k + n] not in _TAGS()
                      and (word := w.sounds.get(_sounds(text[k:k + n])))
                      and not any(a != b and _NEGATION.match(a) for a, b in zip(text[k:], word))),
                     None)
        n, word = heard or (1, text[k])
        out.append(word)
        k += n
    return "".join(out)


_NEGATION = re.compile("[不没别未无]")


def _heading(w: _Words, text: str) -> str:
    """The clause before a colon that says a list of what is needed follows (您先别记，听我说完：
    X; 需要的材料：X、Y), when what follows names things and says none of them there or asked:
    the list is the lack, no lack word said."""
    colon = re.search(r"[：:]", text)
    if not colon:
        return ""
    head, listed = text[:colon.start()], text[colon.end():]
    clause = _STOPS.split(head.rstrip("，,。 "))[-1]
    if not (w.heading.search(head) or w.general_re.search(clause)) or w.brought.search(
            clause) or w.wanting.search(listed) or w.received_words & set(_cut(listed)):
        return ""
    return clause if names(listed) else ""


def _condition(w: _Words, text: str) -> str:
    """The clause saying a need as what would do (您要是有户口本，今天就能办; 只要…补来，就齐了):
    a thing had, brought or done, and the matter done after it."""
    for found in w.condition.finditer(text):
        if _DONE_THEN.search(text, found.end()):
            return next(c for c in _STOPS.split(text[found.start():]) if c)
    return ""


_DONE_THEN = re.compile(r"就(?:能|可以|可)?(?:办|受理|齐|行|成)")


def _says_lack(w: _Words, clause: str) -> bool:
    """Whether a clause says something is lacking, a poor thing's shortfall and a question
    whether it is (信息有没有错, 齐不齐: the same word either side of 不 or 没) left out."""
    clause = _ASKED.sub("", w.quality.sub("", clause))
    return bool(clause) and bool(_lacks(w, clause) or w.incomplete.search(clause)
                                 or w.alone.search(clause))


_ASKED = re.compile(r"([\u4e00-\u9fff])[不没]\1")


def _lacks(w: _Words, clause: str) -> bool:
    """Whether a clause says a lack or a need: a word of two characters or more anywhere
    (得交, 还没给), one of one only as a word of its own (补, not of 补办) and not taking
    out what is at hand (您把手机拿出来: shown now, nothing missing) nor holding what is
    handed over (您拿好回执: unless told to come with it, 带好户口本再来)."""
    words = _cut(clause)
    return bool(w.lacking_long.search(clause)) or any(
        word in w.lacking and words[n + 1:n + 2] != ["出来"] and not (
            words[n + 1:n + 2] == ["好"] and "来" not in "".join(words[n + 2:]))
        for n, word in enumerate(words))


def names(text: str, path: Path | None = None, nouns: bool = False) -> tuple[str, ...]:
    """Every thing a text names, needed or brought (户口本带来了 names 户口本); with `nouns`,
    also runs ending in a noun no ending names (宽带光猫设备)."""
    return _names(text or "", str(path or words_path()), nouns)


@lru_cache(maxsize=32768)
def _names(text: str, path: str, nouns: bool) -> tuple[str, ...]:
    w = _read_words(path)
    return tuple(name for run, *_ in _runs(w, text) if (name := _name(w, run, nouns=nouns)))


def _count(w: _Words, text: str) -> tuple[int, str]:
    """How many kinds a line says are needed, and the words saying it (还差两样, 三项证明):
    a number after a lack (or at a clause's start, or after whose: 您这儿), with a measure
    word or a word for materials (of two: 两种证明材料), or a noun of one or two characters
    saying what kind (四个本本, 三张表单, 两三个证明: a range counts its least), followed by
    no name (三张两寸照片 is one thing; 身份证复印件两份, copies)."""
    for found in w.count.finditer(text):
        before = text[:found.start()]
        clause = _STOPS.split(before)[-1]
        after = text[found.end():]
        kind = _kind_word(w, found, after)
        if kind:
            after = after[len(kind):]
        if found.group("n") == "一" and not re.search(r"(?:还|也)(?:差|缺|少|要|欠)$", clause):
            continue
        if any(_name(w, run) for run, *_ in _runs(w, clause)):
            continue  # 身份证复印件需要两份: copies of a thing, not kinds
        if (w.count_before.search(clause) or set(_cut(clause)) <= w.words) and w.count_after.search(
                after):  # 您这儿仨物件不够: who has them said first
            return NUMBERS[found.group("n")], found.group(0) + kind
    return 0, ""


def _kind_word(w: _Words, found: re.Match, after: str) -> str:
    """The word of one or two characters after a count's measure word, a noun by where it
    stands (本本 of 四个本本, 表 of 两张表), empty if none or if the count ends in a word for
    materials already."""
    if w.general_re.search(found.group(0)):
        return ""
    for said in (found.group(0)[-1] + after, after):  # 俩本|本 of 俩本本: the measure is the noun's
        words = _cut(said)
        word = words[0] if words else ""
        if 0 < len(word) <= 2 and word not in w.function and not _STOPS.fullmatch(word) and (
                not _NOT_A_THING.search(word)) and len(word) > len(said) - len(after):
            return word[len(said) - len(after):] + ("儿" if words[1:2] == ["儿"] else "")
    return ""


def _things(w: _Words, text: str) -> list[tuple[str, bool]]:
    """The things a line names as needed: each run of words between the function words
    that names a thing (`_name`), or that a lack is said of though its ending is none
    known (差了开户预留手机, 签证页缺着), and is not said to be there (户口本可以; 光有户口本);
    each with whether its ending is known."""
    words = _cut(text)
    out = []
    for run, start, end in _runs(w, text, whole=True):
        known = _name(w, run)
        name = known or _lacked(w, run, words[:start], words[end:])
        rest = _STOPS.split("".join(words[end:]))[0]
        used = start and words[start - 1] in _USING and end < len(words) and words[
            end] not in w.function and _TAGS().get(words[end], "x") == "v"  # 拿手机扫这个
        if name and not used and not w.received.search(rest) and not w.only.search(
                "".join(words[:start])):
            out.append((name, bool(known)))
    return out


_USING = {"拿", "用"}  # 拿手机扫, 用身份证刷: a thing used now, not one lacking


def _lacked(w: _Words, run: str, before: list[str], after: list[str]) -> str:
    """A run a lack is said of, next to it but for words like 您, 还 (缺…, …没带; 要… only
    of a noun, 要 being said of doings as often: 要办理, 还要工本费): a thing
    though its ending is none known; not a number, a time or a word for materials (还差十
    分钟, 缺点东西)."""
    if len(run) < 2 or _NOT_A_THING.search(run) or w.general_end.search(run) or run.endswith(
            w.lists) or _TAGS().get(_cut(run)[-1], "x")[0] in "dcprma":
        return ""  # nor a list pointed to (对照清单) or an adverb (反正)
    said_before = [word for word in reversed(before) if word not in w.words
                   and word not in w.fillers and not _PAUSE.fullmatch(word)][:1]  # 还要……嗯……X
    said_after = re.sub(r"^(?:[，,](?=这|您|你))?(?:您|你|还|都|可|就|这个)+", "", "".join(after))
    words = _cut(run)
    noun = _TAGS().get(words[-1], "x") in ("n", "nz") and _TAGS().get(words[0], "x") != "v"
    return run if (said_before and (said_before[0] in w.short or noun and said_before[0] in (
        w.lacking))) or w.after.match(said_after) else ""


_PAUSE = re.compile(r"[…—.]+")
_NOT_A_THING = re.compile(r"^(?:点|全|齐|好|完|够)|[够齐全完]$|[呐啊呀]$|流程|程序|步骤|进度|情况$|"
                          r"[零一二三四五六七八九十两俩仨几0-9]|分钟|小时|天|会儿|钟头|工作日|时候|"
                          r"时间|地方|窗口|事|^人|人$|钱|块|元|下回|下次|回头|明天|今天|上午|下午|问题|业务|办法|"
                          r"关系|权限|职能|功能|系统|意思|必要|用|空|错|毛病|"
                          r"小伙子|师傅|同志|大姐|大哥|大爷|大娘|阿姨|妹子|姐姐|老师|领导")  # whom one thanks


def _runs(w: _Words, text: str, whole: bool = False) -> list[tuple[str, int, int]]:
    """The runs of words between the function words and stops, with where each begins and
    ends among the line's words, each cut after its last word ending as a name does (社保卡
    of 社保卡找着了; `whole`: a run with none kept whole); a word for materials after
    others is in the run (存款人证件), alone it is none."""
    words = _cut(text)
    out, run = [], []
    for k, word in enumerate([*words, "。"]):
        following = words[k + 1] if k + 1 < len(words) else ""
        function = (word in w.function and not (run and (
            word in w.received_words and following not in w.function
            and _ends_a_name(w, following) or word in ("过", "了", "好") and following == "的"))
        ) or _STOPS.fullmatch(word)  # 合格 of 出厂合格证明, 过 of 公证过的委托书: inside the name
        if not function and (word not in w.general or run):
            run.append(word)
            continue
        last = max((n for n, part in enumerate(run) if _ends_a_name(w, part)),
                   default=len(run) - 1 if whole and run else None)
        if last is not None:
            out.append(("".join(run[:last + 1]), k - len(run), k - len(run) + last + 1))
        run = []
    return out


def _ends_a_name(w: _Words, word: str) -> bool:
    """Whether a word may end a thing's name: it ends as a name does (户口本, 申请表), or it
    is a noun of two characters or more that names no time, place, doing or matter
    (设备, 工本费, 现金, 意见: a writer's things end in words no list holds)."""
    return word.endswith(w.head) or (len(word) > 1 and _TAGS().get(word, "x") in _NOUN_TAGS
                                     and word not in w.general and not _NOT_A_THING.search(word))


_NOUN_TAGS = {"n", "vn", "nz"}


def _name(w: _Words, run: str, nouns: bool = False) -> str:
    """The thing a run of words names, empty if none: a count of copies after it dropped
    (身份证复印件两份), an ending alone (证) or a count of kinds (两样证件) naming none;
    with `nouns`, a run ending in a noun no ending names is one too (宽带光猫设备: as a
    thing brought or asked; as a lack, `_lacked` asks that the lack be said beside it)."""
    run = re.sub(r"[两俩仨二三四五六七八九十一几]+(?:份|张|个|本|套)$", "", run).lstrip("的")
    if len(run) < 2 or run in w.general or w.count.fullmatch(run):
        return ""
    if not run.endswith(w.head):
        return run if nouns and len(run) > 2 and _ends_a_name(w, _cut(run)[-1]) else ""
    if re.fullmatch(rf"(?:[您你侬恁]|贵[方所司]|[您你]们)?的?(?:[这那哪每各整搿]|所有|全部|有些|有的|"
                    rf"一些|部分|好些|好几)?[一几]?[个份套张些样点批堆]?(?:{w.general_re.pattern})", run):
        return ""  # 这些材料, 那套材料, 贵方材料, 侬搿个材料: whose, not which
    if re.sub(r"^[这那一张份个本]+|^办事", "", run) in w.lists or any(
            run.endswith(x) and _TAGS().get(run[:-len(x)], "x")[0] in "vp" for x in w.lists):
        return ""  # 告知单, 这张清单, 对照清单: where the things are listed, none of them
    last = _cut(run)[-1]
    tag = _TAGS().get(last, "n")[0]
    if last not in w.head and len(run) == len(last) and (
            tag in "dcpurm" or tag in "va" and len(last) < 3) or (
            len(run) == 2 and run[0] in _DOING):
        # 根本 (an adverb), 出证 (a doing): an ending inside a word of another kind; after
        # other words it is a noun whatever jieba says (老人的养老金存折)
        return ""
    return run


_DOING = set("出办领拿开补换发交打签盖填取送")


def _TAGS() -> dict[str, str]:
    """jieba's dictionary of a word's part of speech."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def _unnamed(w: _Words, text: str) -> str:
    """The clause saying materials are missing without naming one: a lack said alone (不全,
    没带齐, 还差点儿), of materials (资料不对, 缺东西), or bare as why it cannot be done
    (不够，办不下来), in a line naming no thing."""
    for clause in _STOPS.split(text):
        if not _says_lack(w, clause):
            continue
        if w.alone.search(clause) or w.incomplete.fullmatch(clause) and _UNDONE.search(text):
            return clause
        if w.wanting.search(clause) or _ALMOST.search(clause) or clause.endswith(("没", "不")):
            continue  # asked (需要带什么材料, 这张单子对不对), or almost (材料差点就丢了), not said
        if (w.incomplete.search(clause) or _lacks_short(w, clause)) and (
                w.general_re.search(text) or w.brought.search(clause)
                and not _NOT_MATERIALS.search(clause)):
            return clause  # 材料缺了, 资料不完备, 您准备的还不够
    return ""


_UNDONE = re.compile(r"(?:办|弄|受理|办理|过)不(?:了|成|下来|下去)|没法(?:办|弄|受理)|不能(?:办|受理)")

# what else may be short of what was brought (您这个时间不够, 您这钱不够)
_NOT_MATERIALS = re.compile(r"时间|钱|分钟|小时|天|人|地方|位置|额度|余额|积分|分数|年限|岁")


def _lacks_short(w: _Words, clause: str) -> bool:
    """A lack said of things only (缺, 少了), not 没, said of anything (瞅见没)."""
    return any(word in w.short and word != "没" for word in _cut(clause))


def _cut(text: str) -> list[str]:
    """The line's words (jieba), a lack glued to a name cut off it (差退|工单 → 差|退工单,
    卡得 → 卡|得, 单没 → 单|没)."""
    return list(_cut_cached(text))


@lru_cache(maxsize=32768)
def _cut_cached(text: str) -> tuple[str, ...]:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its loading notes are no hall's reading
    words = []
    for word in jieba.lcut(text):
        if len(word) > 1 and word not in _KEPT and (
                word[0] in _GLUED_BEFORE
                or word[0] == "少" and word[1] not in _COUNTED and word not in _TAGS()):
            words += [word[0], word[1:]]  # 少|近 of 还少近6个月的…; not 少儿, 少个
        elif len(word) == 2 and word[0] in "这那" and word[1] in _GLUED_BEFORE | {"少"}:
            words += [word[0], word[1]]  # 这|差 of 您这差四张表单
        elif len(word) > 1 and word[-1] in _GLUED_AFTER and word not in _KEPT:
            words += [word[:-1], word[-1]]
        elif len(word) > 1 and word[0] in _ENDING and set(word[1:]) <= _TRAILING and words:
            words += [word[0], word[1:]]  # 户口|本来, 社会保障|卡补来: the name's end glued on
        else:
            words.append(word)
    return tuple(words)


_GLUED_BEFORE = set("差缺欠")  # lacks jieba glues to the next word (差退 of 差退工单)
_COUNTED = set("个份张本样件项点些了带着")  # 少个, 少了: a lack word of its own
_GLUED_AFTER = set("得没")  # and to the word before (卡得 of 社会保障卡得补)
_ENDING = set("本证卡书表单照件章函据票折册簿")
_TRAILING = set("来才就呢吧啊了也都缺差少欠没得要补有在是弄搞整拿带交送厚嘛呀啦咯")  # 单|弄 of 行程单弄好了
_KEPT = {"差不多", "差点", "差些", "差别", "差距", "缺点", "缺少", "缺乏", "欠款", "欠费", "记得",
         "觉得", "获得", "取得", "值得", "懂得", "晓得", "舍得", "免得", "省得", "难得", "还得",
         "也得", "就得", "都得", "必须得", "只得", "非得", "可得", "总得", "才得", "使得", "显得",
         "落得", "弄得", "搞得", "差得", "缺得", "欠得", "来得", "赶得", "算得", "说得", "要得",
         "还没", "也没", "都没", "就没", "并没", "从没", "可没", "又没", "出没", "淹没", "埋没",
         "吞没", "沉没", "缺着", "差着", "欠着", "缺了", "差了", "欠了"}
