"""Typed days at a counter for the sequenced norms (issue 25): 首问负责, 一次性告知, 候时告知.

Written for this bench from the norms (../shared/norms: 首问负责制, 一次性告知, 第二十三条's
"还需要补充以下材料", 第二十七条's "请您到××部门咨询", the 服务禁忌用语 "这事情不属于我们管")
and from how people at Chinese counters talk, apart from the rule files (lexicons/rules):
the point is to measure the rules on phrasings their writer did not see.

A day is one window's transcript (08:30 on, a lunch break, the afternoon), a sequence of
cases. Each case is one visit, or two of the same customer (a return after lunch), built
in one of many phrasings, and knows the truth for every measured rule: positives (a
deflection with no direction, materials named piecemeal or not at all, a return told
something new, a wait announced without its length) and hard negatives (a direction in
the same or next staff turn, a complete list, a customer's own 不归我管, a quoted
deflection, a return for other business, another customer of the same business...).
Half the days come with the hall's queue calls (ticket and business type set the
visits); the other half give each line its visit, so a return is known only by its words.

    .venv/bin/python bench/sequenced.py --days 2 --seed 3
        [--held-out | --fresh | --apart | --fifth | --sixth | --seventh | --eighth | --ninth
         | --tenth | --eleventh | --twelfth | --thirteenth] [--typos] --write /tmp/days
"""
from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from string import Formatter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import transcript  # noqa: E402
from monitor.records import Utterance  # noqa: E402
from monitor.visits import Call  # noqa: E402

RULES = ("first_asked", "tell_once", "wait_length")


@dataclass(frozen=True)
class Business:
    name: str  # as the customer says it, and the queue's business type
    materials: tuple[str, ...]  # what it takes; a customer lacks some of them


@dataclass(frozen=True)
class Elsewhere:
    """A matter another office handles: what the customer asks, where, and who."""

    ask: str
    place: str
    agency: str


@dataclass(frozen=True)
class Sector:
    profile: str
    businesses: tuple[Business, ...]
    elsewhere: tuple[Elsewhere, ...]


SECTORS = {
    "police": Sector("police", (
        Business("身份证换领", ("旧身份证", "户口本", "照片回执")),
        Business("新生儿落户", ("出生医学证明", "父母双方的户口本", "结婚证", "父母的身份证")),
        Business("户口迁移", ("准迁证", "户口本", "身份证", "房产证复印件")),
        Business("户籍证明", ("户口本", "身份证原件", "单位介绍信")),
    ), (
        Elsewhere("我想办个护照", "出入境大厅", "出入境管理"),
        Elsewhere("驾驶证到期了在哪儿换", "车管所", "交警队"),
        Elsewhere("我来交社保的", "二楼社保窗口", "社保局"),
        Elsewhere("孩子上学要的居住证明在这儿开吗", "社区居委会", "社区"),
    )),
    "government": Sector("government", (
        Business("营业执照", ("身份证原件", "租房合同", "名称核准通知书", "公司章程")),
        Business("公积金提取", ("购房合同", "身份证", "银行卡", "购房发票")),
        Business("退休审批", ("身份证", "人事档案", "户口本", "两张一寸照片")),
        Business("社保转移", ("参保凭证", "身份证", "转移联系函")),
    ), (
        Elsewhere("我想问一下医保报销", "医保窗口", "医保局"),
        Elsewhere("我来开个无犯罪记录证明", "户籍地派出所", "公安"),
        Elsewhere("发票领用是在这儿吗", "税务窗口", "税务局"),
        Elsewhere("房子过户在哪儿办", "不动产登记中心", "不动产登记中心"),
    )),
    "hospital": Sector("hospital", (
        Business("住院登记", ("住院证", "医保卡", "身份证", "押金")),
        Business("病历复印", ("身份证原件", "出院记录", "委托书")),
        Business("医保报销", ("发票原件", "费用清单", "出院小结", "医保卡")),
    ), (
        Elsewhere("我想复印一下病历", "病案室", "病案室"),
        Elsewhere("体检报告在哪儿取", "体检中心", "体检中心"),
        Elsewhere("出院结算是这儿吗", "住院部结算窗口", "住院处"),
        Elsewhere("我想问问医保备案", "二楼医保办", "医保办"),
    )),
    "bank": Sector("bank", (
        Business("开户", ("身份证原件", "手机", "工作证明")),
        Business("贷款", ("收入证明", "银行流水", "身份证", "结婚证")),
        Business("代办挂失", ("委托书", "双方身份证", "原来的卡号")),
    ), (
        Elsewhere("我来交电费", "供电营业厅", "供电公司"),
        Elsewhere("信用卡额度想调一下", "信用卡中心的柜台", "信用卡中心"),
        Elsewhere("社保卡激活在这儿吗", "社保服务窗口", "社保局"),
        Elsewhere("我想买个理财", "三楼理财室", "理财经理"),
    )),
    "utility": Sector("utility", (
        Business("过户", ("房产证", "新户主的身份证", "旧户主的身份证", "过户申请表")),
        Business("新装燃气", ("房产证", "身份证", "户内检测报告")),
        Business("开增值税发票", ("营业执照复印件", "开票信息", "缴费凭证")),
    ), (
        Elsewhere("我家的水管漏了", "自来水公司", "自来水公司"),
        Elsewhere("物业费是交这儿吗", "物业服务中心", "物业"),
        Elsewhere("我想问一下宽带报装", "电信营业厅", "电信"),
        Elsewhere("路灯坏了找谁", "街道办事处", "街道"),
    )),
}

# --- how a visit opens, goes on and ends (no rule's words in them) ---------------------
OPEN = ["您好，请问办理什么业务？", "您好，请坐，办什么？", "您好，有什么可以帮您？",
        "您好，请问您要办什么？", "你好，办什么业务", "您好，请讲", "您好，这边请"]
ASK = ["我想办{b}", "我来办个{b}", "{b}是在这儿办吧", "你好，我要办{b}", "我办一下{b}",
       "想问一下{b}怎么办"]
WORK = ["我看一下您的信息", "您核对一下名字对不对", "这里签个字", "好的，我给您录入一下",
        "您的手机号留一下", "系统正在查询", "这一栏写您的住址", "您看这个日期对吗",
        "好的，我收一下", "这张单子您拿好"]
CUSTOMER_OK = ["好的", "嗯", "行", "对", "知道了", "好嘞"]
CLOSE = ["请慢走", "您慢走", "好的，再见", "请拿好您的东西，慢走", "办好了，您慢走"]
THANKS = ["好的谢谢", "行，谢谢啊", "谢谢", "麻烦了"]

# --- 首问负责: a deflection, and where it is handled ------------------------------------
DEFLECT = ["这不归我管", "这个不归我们管", "这事儿不归我们这儿管", "这不是我们这儿办的",
           "这个不在我们这里办", "我们这儿不办这个", "这个业务我们不受理",
           "这个不属于我们的业务范围", "这事情不属于我们管", "这不是我的事", "我管不了这个",
           "这个我们管不着", "不是我们部门的事", "这个不是我负责的", "这不是我们窗口的业务",
           "我们这儿没有这个业务", "您走错窗口了", "这个跟我们没关系", "这个您别问我",
           "这个我们办不了", "我这儿办不了这个", "这个不归我们窗口", "这事我们不管"]
DEFLECT_LEAD = ["", "哎，", "阿姨，", "不好意思，", "这个啊，", "您这个，", "大爷，", "啊？",
                "师傅，", "跟您说了，"]
DEFLECT_TAIL = ["", "", "啊", "哈", "呀"]
DIRECT = ["您去{p}问问", "请到{p}办理", "您得去{p}办", "这个要到{p}去办", "您上{p}那边问问吧",
          "得到{p}办", "这个归{a}管，您去那边", "这个是{a}的事，在{p}", "您到{p}咨询一下",
          "出门左转就是{p}", "{p}那边能办，您过去看看", "您拿着这个去{p}", "往前走，{p}就是",
          "要去{p}才行", "您去{p}排个号", "您找{p}的同事", "直接去{p}就行",
          "{p}，出门右手边就是", "这个您得找{a}，他们在{p}", "去{p}那儿办吧",
          "麻烦您移步{p}", "这个在{p}办理", "请您到{p}咨询"]
NEARBY = ["隔壁窗口", "一楼大厅", "三号窗口", "对面那个窗口", "导服台", "后面那排的十二号窗口",
          "二楼", "旁边的综合窗口"]
HANDOVER = ["我帮您联系一下{a}的同事", "我带您去{p}", "我给{a}打个电话，让他们来接您",
            "我陪您过去，就在{p}"]
WHERE = ["那我去哪儿办？", "那我该找谁啊？", "啊？那怎么办", "可是门口的人让我来这儿的",
         "我都排了半个小时了", "那到底谁管啊？", "那你说去哪儿？"]
NO_DIRECTION = ["我也不清楚", "反正我们这儿办不了", "下一位", "这个我说不好",
                "那我就不知道了", "别的我也帮不了您", "后面还有人排着呢", "规定就是这样",
                "我这儿真办不了", "您自己再打听打听"]
VAGUE_POINTER = ["您问问别人吧", "您找别人吧", "您去别处问问", "您到外面问问吧"]
CUSTOMER_SELF = ["我就是帮我哥跑个腿，他单位的事不归我管", "钱的事不归我管，我老伴管",
                 "别的不归我管，我只负责送材料", "我们家这事不归我管，我女儿让我来的"]
CUSTOMER_QUOTE = ["社区说这事儿不归他们管，让我来这儿", "他们说那不是他们那儿办的，叫我来找你们",
                  "三号窗口说不归他们管", "楼上说这个他们管不着，让我下来问"]
STAFF_OWN = ["对，是在我们这儿办，您材料给我", "这个就归我们管，您放心",
             "是我们这儿办的，您坐", "没错，这事我们管，我来给您办"]
STAFF_QUOTE = ["谁跟您说不归我们管的？就是在这儿办", "他们说不是我们这儿办的？是我们这儿，您放心",
               "不归我们管？不会的，这个就是我们的业务", "您是说社区说不归他们管？那您找我们就对了"]

# --- 一次性告知: what is missing, named at once or not ----------------------------------
MISSING = ["还需要{L}", "您还差{L}", "还缺{L}", "材料不全，还要{L}",
           "对不起，您的资料还不齐全，还需要补充{L}", "您还需补充以下资料：{L}", "{L}没带来，得补上",
           "您这还少{L}", "除了这些，{L}也要带", "还得有{L}才能办", "这边还缺{L}，您补齐了再来",
           "回去把{L}拿来", "{L}也得带来", "还要{L}，您带齐了再来"]
VAGUE_MISSING = ["你这材料不全啊", "材料不够，办不了", "手续不全，回去准备齐了再来", "东西没带齐",
                 "还差点东西，您回去再准备准备", "缺材料，补齐了再来办", "这样不行，您这资料不齐",
                 "您这个还不全，办不了"]
WHAT_MISSING = ["缺什么啊？", "还差什么？", "那要哪些啊？", "您一次跟我说全吧，还要什么？"]
NO_LIST = ["您回去看看办事指南就知道了", "网上都有，自己查一下", "反正就是不全",
           "下次带齐了再来", "我也跟您说不清楚，您回去问问"]
COUNT_WORDS = {2: ["两样", "两个材料"], 3: ["三样", "三个材料"]}
AWAY = ["{x}？我去复印一下", "那我回车上拿{x}", "{x}我让家里人送过来", "我去楼下弄一下{x}"]
BACK = ["弄好了，给您", "拿来了", "送来了，您看看", "好了"]
AGAIN = ["哦对了，还有{L}", "还得要{L}", "哎，{L}也要的", "这个还要{L}才行"]
RETURN = ["我上午来过，让我补{x}，现在拿来了", "又是我，{x}我带来了", "你好，早上来办{b}的，{x}补齐了",
          "上午是您让我回去拿{x}的，给您", "我刚才来过，回家取了{x}", "我是早上那个办{b}的，{x}带来了"]
RETURN_NEW = ["{x}对了，不过还得要{L}", "还差一个{L}", "哎，这个还要{L}才能办", "{L}您没带吗？这个也得有",
              "光有{x}不够，还得{L}"]
RETURN_DONE = ["好，材料齐了，我这就录入", "都齐了，我给您录进去", "材料没问题了，这就给您办",
               "齐了，您等着拿回执就行"]
RETURN_REPEAT = ["{L}还是没带啊，上午说过要的", "{x}有了，{L}呢？上午跟您说了的",
                 "上午说的{L}还没拿来"]
RETURN_OTHER = ["又是我，上午那个办完了，我还想问问{b}", "我上午来过，那个办好了，现在想办{b}",
                "刚才那个弄完了，顺便办个{b}"]
INFORM = ["办{b}需要{L}", "{b}的话要带{L}", "办这个要{L}"]

# --- 候时告知: a wait, with its length or not --------------------------------------------
WAIT = ["请稍等", "您稍等一下", "稍等啊", "请您稍候", "您先坐会儿", "稍等片刻"]
WAIT_LENGTH = ["请稍等，大约五分钟", "您稍等一下，两三分钟就好", "大概要十分钟，您先坐会儿",
               "请您稍候，五分钟左右", "稍等，一分钟", "您先坐一会儿，得等半个小时左右",
               "系统有点慢，大约要等三分钟，请您稍等", "请稍等片刻，差不多两分钟"]
WAIT_WHY = ["我打印一下", "系统在审核", "我去后面拿一下", "这边在出证", ""]


# The words said around the evidence, and how many materials a statement names: lists too,
# so that another phrasing set (HELD_OUT, sequenced_fresh.FRESH, sequenced_apart.APART) can
# replace every one.
SHRUG = ["好吧", "啊？", "哦"]  # a customer deflected and seen off
SHRUG_MATERIALS = ["好吧", "啊？那行吧", "哦"]  # a customer told "not complete", no more
SELF_ACK = ["好的", "没关系，您材料给我"]  # staff, after a customer's own 不归我管
PIECEMEAL_REPLY = ["怎么刚才不一起说啊", "啊？还要啊", "好吧"]
RETURN_REPLY = ["怎么上午不一起说啊", "又要跑一趟啊"]
FORGOT = ["哎呀我忘了", "不好意思，落家里了"]
ASK_MATERIALS = ["想问一下{b}要带什么"]
COUNTED = ["还差{n}，一个是{first}", "还要{n}：{L}", "您还缺{n}，{L}"]  # fewer named than {n}
LENGTH_FIRST = ["这个要五分钟左右", "大概得等十分钟", "差不多三分钟能好", "要一刻钟左右"]
LIST_TWO = ["{0}和{1}", "{0}、{1}", "{0}，还有{1}", "{0}跟{1}"]
LIST_MORE = ["{head}和{last}", "{dun}", "{commas}，还有{last}", "{head}，另外还有{last}"]
NAMED = [1, 2, 3]  # materials a complete statement names
NAMED_RETURN = [1, 2]  # ... before a return for other business
LISTED = [2, 3]  # ... after a vague "not complete"
COUNTED_AS = [2, 3]  # the count said when fewer are named ("还差三样")

# Phrasings held out: written with the lists above, before any rule was measured, and used
# only by `generate(..., held_out=True)`, so a lexicon tuned on the failures of the lists
# above is measured again on words its tuner did not see.
HELD_OUT = {
    "DEFLECT": ["这个我们这儿管不了", "您这事儿得找别的部门", "这块不是我们负责", "这事儿轮不到我们管",
                "我们没这项业务", "这个不是我们科室的", "这个业务不在我们这儿", "这不是我这个窗口的事",
                "我们这不受理这个", "这个我管不着", "这不属于我们这边", "您问的这个不是我们这儿的事",
                "这不在我们的范围里"],
    "DEFLECT_LEAD": ["", "哎呀，", "您听我说，", "同志，", "小伙子，", "姑娘，", "嗯，", "这个嘛，"],
    "DIRECT": ["您到{p}那边去问一下", "{p}管这个，您去那儿", "得上{p}", "去{p}找他们就行",
               "这种事{a}管，在{p}", "您往{p}走", "您出门打个车去{p}", "您上{p}取个号",
               "这个得{a}办，地址在{p}", "在{p}，您去那儿办就行", "您找{a}，就在{p}", "请您移步到{p}",
               "直走到头就是{p}", "下楼就是{p}", "您到{p}去，那边专门办这个"],
    "NEARBY": ["旁边那个窗口", "楼下大厅", "七号窗口", "咨询服务台", "门口的引导台", "里面的综合受理区"],
    "HANDOVER": ["我让{a}的同事过来", "我把您的情况转给{a}", "我打电话帮您问{a}"],
    "NO_DIRECTION": ["我真不知道", "您别为难我了", "这个问我没用", "反正不在这儿", "您看着办吧",
                     "没办法", "那我管不着了", "我也没办法"],
    "VAGUE_POINTER": ["您换个地方问问吧", "找找别的窗口吧", "您去问问其他人", "去别的地方看看吧"],
    "WHERE": ["那我上哪儿去？", "那该怎么弄啊", "那谁能办？"],
    "CUSTOMER_SELF": ["这个不归我管，我就是替我爸来交个材料", "账的事不归我管", "孩子的事不归我管，他妈管"],
    "CUSTOMER_QUOTE": ["那边窗口说不归他们管，让我到这儿来", "街道说不是他们那儿办的", "他们说管不着"],
    "STAFF_OWN": ["对，就在我们这儿办", "没错，归我们这儿", "这个我们能办，您坐"],
    "STAFF_QUOTE": ["他们说不归我们管？不对，这就是我们办的", "谁告诉您这不是我们这儿办的？",
                    "说不归我们管的那是搞错了"],
    "MISSING": ["另外还得{L}", "您得再补{L}", "差{L}", "{L}要补一下", "少了{L}，办不了", "缺{L}呢",
                "{L}得拿过来", "再准备{L}", "您把{L}补上"],
    "VAGUE_MISSING": ["您这不齐啊", "还缺东西，办不了", "手续不够", "资料差一些", "材料有问题，回去弄好再来"],
    "NO_LIST": ["看看墙上的告示吧", "我也记不清了", "回去问问你们单位"],
    "AGAIN": ["不好意思，还要{L}", "刚才忘了说，{L}也要", "还有个{L}要补"],
    "RETURN": ["上午来办过{b}，东西拿来了", "我又来了，{x}拿来了", "刚刚那个办{b}的，{x}我带来了",
               "中午回去拿了{x}"],
    "RETURN_NEW": ["还得补个{L}", "嗯，{x}有了，可还缺{L}", "这个不行，还要{L}"],
    "RETURN_DONE": ["这下齐了，我给您办", "好，都有了，录入吧"],
    "RETURN_REPEAT": ["{L}呢？上午说了要带的", "上午提过的{L}您还没带"],
    "RETURN_OTHER": ["上午那个办完了，我再问下{b}", "又来了，这回办{b}"],
    "INFORM": ["{b}得带{L}", "办{b}的话需要{L}"],
    "WAIT": ["等一会儿", "稍微等等", "您等一下啊", "请您等一等"],
    "WAIT_LENGTH": ["等个五分钟左右", "稍等，三四分钟就好", "大概要等二十分钟", "请稍候，两分钟",
                    "要等一会儿，十来分钟吧"],
}

@dataclass
class Line:
    role: str
    text: str
    mark: str = ""  # the evidence this line is, for the case's span ("" none)


@dataclass
class Case:
    """One customer's visits (one, or two for a return) and the truth about them."""

    variant: str  # a key of VARIANTS: how it is said
    rule: str  # the rule it is about ("" for plain business)
    visits: list[tuple[str, list[Line]]]  # (business, lines) per visit, in time order
    truth: dict[str, bool] = field(default_factory=dict)  # rule -> should find it


@dataclass
class Day:
    """One window's typed day and its labels."""

    name: str
    sector: str
    profile: str
    window: str
    utterances: list[Utterance]
    calls: list[Call]  # the queue's calls (empty: each line gives its visit)
    cases: list[Case]
    visit_case: dict[str, int]  # visit label -> index into cases
    visit_lines: dict[str, tuple[int, ...]]  # visit label -> its line indices
    spans: dict[int, tuple[float, float]]  # case -> (start, end) of its evidence lines

    def write(self, folder: Path) -> Path:
        """The transcript (JSONL), its queue calls and its labels, beside each other."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            transcript.write(self.utterances, handle)
        (folder / f"{self.name}.labels.json").write_text(json.dumps(self.labels(), ensure_ascii=False,
                                                                    indent=1), encoding="utf-8")
        return path

    def labels(self) -> dict:
        return {"day": self.name, "sector": self.sector, "profile": self.profile,
                "window": self.window,
                "calls": [{"ticket": c.ticket, "business": c.business, "start": c.start,
                           "end": c.end} for c in self.calls],
                "cases": [{"case": n, "variant": c.variant, "truth": c.truth,
                           "visits": [v for v, k in self.visit_case.items() if k == n],
                           "evidence": self.spans.get(n)} for n, c in enumerate(self.cases)]}


def _fill(rng: random.Random, options: list[str], **slots) -> str:
    return _pick(rng, options).format(**slots)


def _pick(rng: random.Random, options: list):
    """One of the options; a single one is taken without a draw (the seeds' days stay)."""
    return options[0] if len(options) == 1 else rng.choice(options)


def _fill_lazily(rng: random.Random, template: str, **slots: Callable[[], str]) -> str:
    """The template with each slot drawn when it is met, in order (the seeds' days stay)."""
    names = [name for _, name, _, _ in Formatter().parse(template) if name]
    return template.format(**{name: slots[name]() for name in names})


def listed(rng: random.Random, items: list[str]) -> str:
    """Materials as people list them: 户口本、照片和复印件 / 户口本，照片，还有复印件."""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return rng.choice(LIST_TWO).format(*items)
    return rng.choice(LIST_MORE).format(head="、".join(items[:-1]), last=items[-1],
                                        dun="、".join(items), commas="，".join(items[:-1]),
                                        numbered="，".join(f"{'一二三四五六七八'[n]}是{item}"
                                                          for n, item in enumerate(items)))


def _deflection(rng: random.Random) -> str:
    return rng.choice(DEFLECT_LEAD) + rng.choice(DEFLECT) + rng.choice(DEFLECT_TAIL)


def _direction(rng: random.Random, where: Elsewhere) -> str:
    place = where.place if rng.random() < 0.7 else rng.choice(NEARBY)
    return _fill(rng, DIRECT, p=place, a=where.agency)


def _both(rng: random.Random, first: str, then: str) -> str:
    return first + rng.choice(["，", "。", "，", " "]) + then


def _opening(rng: random.Random, business: str) -> list[Line]:
    return [Line("staff", rng.choice(OPEN)), Line("customer", _fill(rng, ASK, b=business))]


def _closing(rng: random.Random) -> list[Line]:
    ending = [Line("staff", rng.choice(CLOSE))]
    return ([Line("customer", rng.choice(THANKS))] + ending) if rng.random() < 0.6 else ending


def _work(rng: random.Random, turns: int) -> list[Line]:
    lines = []
    for _ in range(turns):
        lines += [Line("staff", rng.choice(WORK)), Line("customer", rng.choice(CUSTOMER_OK))]
    return lines


def _lacking(rng: random.Random, business: Business, count: int) -> list[str]:
    return rng.sample(list(business.materials), min(count, len(business.materials)))


AWAY_MARK = "away"  # a line after which the customer is gone for minutes (same visit)

# --- the cases: each builder gives one customer's visits, (business, lines) each --------
Build = Callable[[random.Random, Sector], list[tuple[str, list[Line]]]]
ASKED_ELSEWHERE = "综合咨询"  # the queue's business type of a matter asked at the wrong counter


def _asked_elsewhere(rng: random.Random, sector: Sector, middle) -> list[tuple[str, list[Line]]]:
    where = rng.choice(sector.elsewhere)
    lines = [Line("staff", rng.choice(OPEN)), Line("customer", where.ask)]
    return [(ASKED_ELSEWHERE, lines + middle(where) + _closing(rng))]


def fa_no_direction(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _deflection(rng), "e"), Line("customer", rng.choice(WHERE)),
        Line("staff", rng.choice(NO_DIRECTION), "e")])


def fa_vague_pointer(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _deflection(rng), "e"), Line("customer", rng.choice(WHERE)),
        Line("staff", rng.choice(VAGUE_POINTER), "e")])


def fa_sent_off(rng, sector):
    where = rng.choice(sector.elsewhere)
    return [(ASKED_ELSEWHERE, [Line("staff", rng.choice(OPEN)), Line("customer", where.ask),
                               Line("staff", _deflection(rng), "e"),
                               Line("customer", rng.choice(SHRUG)),
                               Line("staff", rng.choice(CLOSE), "e")])]


def fa_direction_same_turn(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _both(rng, _deflection(rng), _direction(rng, w)), "e")])


def fa_direction_first(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _both(rng, _direction(rng, w), _deflection(rng)), "e")])


def fa_direction_next_line(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _deflection(rng), "e"), Line("staff", _direction(rng, w), "e")])


def fa_direction_next_turn(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _deflection(rng), "e"), Line("customer", rng.choice(WHERE)),
        Line("staff", _direction(rng, w), "e")])


def fa_handover(rng, sector):
    return _asked_elsewhere(rng, sector, lambda w: [
        Line("staff", _both(rng, _deflection(rng), _fill(rng, HANDOVER, p=w.place, a=w.agency)),
             "e")])


def _business_visit(rng: random.Random, sector: Sector, middle: list[Line]):
    business = rng.choice(sector.businesses)
    return [(business.name, _opening(rng, business.name) + middle + _work(rng, 1)
             + _closing(rng))]


def fa_customer_self(rng, sector):
    return _business_visit(rng, sector, [Line("customer", rng.choice(CUSTOMER_SELF)),
                                         Line("staff", rng.choice(SELF_ACK))])


def fa_customer_quote(rng, sector):
    return _business_visit(rng, sector, [Line("customer", rng.choice(CUSTOMER_QUOTE)),
                                         Line("staff", rng.choice(STAFF_OWN))])


def fa_staff_quote(rng, sector):
    return _business_visit(rng, sector, [Line("customer", rng.choice(CUSTOMER_QUOTE)),
                                         Line("staff", rng.choice(STAFF_QUOTE))])


def _told(rng: random.Random, items: list[str]) -> str:
    return _fill(rng, MISSING, L=listed(rng, items))


def _materials_visit(rng, business: Business, middle: list[Line]) -> tuple[str, list[Line]]:
    return (business.name, _opening(rng, business.name) + _work(rng, rng.randint(0, 1))
            + middle + _closing(rng))


def to_vague(rng, sector):
    business = rng.choice(sector.businesses)
    return [_materials_visit(rng, business, [
        Line("staff", rng.choice(VAGUE_MISSING), "e"), Line("customer", rng.choice(WHAT_MISSING)),
        Line("staff", rng.choice(NO_LIST), "e")])]


def to_vague_sent_off(rng, sector):
    business = rng.choice(sector.businesses)
    return [_materials_visit(rng, business, [
        Line("staff", rng.choice(VAGUE_MISSING), "e"),
        Line("customer", rng.choice(SHRUG_MATERIALS))])]


def to_piecemeal(rng, sector):
    business = rng.choice(sector.businesses)
    first, then = _lacking(rng, business, 2)
    return [_materials_visit(rng, business, [
        Line("staff", _told(rng, [first]), "e"),
        Line("customer", _fill(rng, AWAY, x=first), AWAY_MARK),
        Line("customer", rng.choice(BACK)), Line("staff", rng.choice(WORK)),
        Line("staff", _fill(rng, AGAIN, L=then), "e"),
        Line("customer", rng.choice(PIECEMEAL_REPLY))])]


def to_fewer_than_counted(rng, sector):
    business = rng.choice(sector.businesses)
    count = _pick(rng, [n for n in COUNTED_AS if n <= max(2, len(business.materials))])
    named = _lacking(rng, business, count - 1)
    said = rng.choice([_fill_lazily(rng, template, n=lambda: rng.choice(COUNT_WORDS[count]),
                                    L=lambda: listed(rng, named), first=lambda: named[0])
                       for template in COUNTED])
    return [_materials_visit(rng, business, [Line("staff", said, "e"),
                                             Line("customer", rng.choice(CUSTOMER_OK))])]


def to_return_told_more(rng, sector, named: int = 1):
    """Told `named` materials in the morning, back after lunch with them, told another."""
    business = rng.choice(sector.businesses)
    *first, then = _lacking(rng, business, named + 1)
    brought = listed(rng, first)
    return [_materials_visit(rng, business, [Line("staff", _told(rng, first), "e"),
                                             Line("customer", rng.choice(CUSTOMER_OK))]),
            (business.name, [Line("staff", rng.choice(OPEN)),
                             Line("customer", _fill(rng, RETURN, x=brought, b=business.name)),
                             Line("staff", _fill(rng, RETURN_NEW, x=brought, L=then), "e"),
                             Line("customer", rng.choice(RETURN_REPLY))]
             + _closing(rng))]


def to_complete(rng, sector):
    business = rng.choice(sector.businesses)
    items = _lacking(rng, business, rng.choice(NAMED))
    return [_materials_visit(rng, business, [Line("staff", _told(rng, items)),
                                             Line("customer", rng.choice(CUSTOMER_OK))])]


def to_vague_then_list(rng, sector):
    business = rng.choice(sector.businesses)
    items = listed(rng, _lacking(rng, business, rng.choice(LISTED)))
    vague = rng.choice(VAGUE_MISSING)
    if rng.random() < 0.5:
        middle = [Line("staff", _both(rng, vague, _fill(rng, MISSING, L=items)))]
    else:
        middle = [Line("staff", vague), Line("customer", rng.choice(WHAT_MISSING)),
                  Line("staff", _fill(rng, MISSING, L=items))]
    return [_materials_visit(rng, business, middle + [Line("customer", rng.choice(CUSTOMER_OK))])]


def to_informed(rng, sector):
    business = rng.choice(sector.businesses)
    said = _fill(rng, INFORM, b=business.name, L=listed(rng, list(business.materials)))
    return [(business.name, [Line("staff", rng.choice(OPEN)),
                             Line("customer", _fill(rng, ASK_MATERIALS, b=business.name)),
                             Line("staff", said), Line("customer", rng.choice(CUSTOMER_OK))]
             + _closing(rng))]


def to_return_done(rng, sector):
    business = rng.choice(sector.businesses)
    items = _lacking(rng, business, rng.choice(NAMED))
    return [_materials_visit(rng, business, [Line("staff", _told(rng, items)),
                                             Line("customer", rng.choice(CUSTOMER_OK))]),
            (business.name, [Line("staff", rng.choice(OPEN)),
                             Line("customer", _fill(rng, RETURN, x=listed(rng, items),
                                                    b=business.name)),
                             Line("staff", rng.choice(RETURN_DONE))] + _work(rng, 1)
             + _closing(rng))]


def to_return_repeat(rng, sector):
    business = rng.choice(sector.businesses)
    brought, forgot = _lacking(rng, business, 2)
    return [_materials_visit(rng, business, [Line("staff", _told(rng, [brought, forgot])),
                                             Line("customer", rng.choice(CUSTOMER_OK))]),
            (business.name, [Line("staff", rng.choice(OPEN)),
                             Line("customer", _fill(rng, RETURN, x=brought, b=business.name)),
                             Line("staff", _fill(rng, RETURN_REPEAT, x=brought, L=forgot)),
                             Line("customer", rng.choice(FORGOT))]
             + _closing(rng))]


def to_return_other_business(rng, sector):
    business, other = rng.sample(list(sector.businesses), 2)
    items = _lacking(rng, business, rng.choice(NAMED_RETURN))
    said = _fill(rng, INFORM, b=other.name, L=listed(rng, list(other.materials)))
    return [_materials_visit(rng, business, [Line("staff", _told(rng, items)),
                                             Line("customer", rng.choice(CUSTOMER_OK))]),
            (other.name, [Line("staff", rng.choice(OPEN)),
                          Line("customer", _fill(rng, RETURN_OTHER, b=other.name)),
                          Line("staff", said), Line("customer", rng.choice(CUSTOMER_OK))]
             + _closing(rng))]


def to_another_customer(rng, sector):
    """Two customers of the same business: each told what they alone lack."""
    business = rng.choice(sector.businesses)
    first, second = _lacking(rng, business, 2)
    return [_materials_visit(rng, business, [Line("staff", _told(rng, [first])),
                                             Line("customer", rng.choice(CUSTOMER_OK))]),
            _materials_visit(rng, business, [Line("staff", _told(rng, [second])),
                                             Line("customer", rng.choice(CUSTOMER_OK))])]


def _waiting(rng, sector, said: list[Line]):
    business = rng.choice(sector.businesses)
    return [(business.name, _opening(rng, business.name) + _work(rng, 1) + said
             + [Line("staff", rng.choice(WORK))] + _closing(rng))]


def _with_why(rng, said: str) -> str:
    why = rng.choice(WAIT_WHY)
    return _both(rng, said, why) if why else said


def wl_no_length(rng, sector):
    return _waiting(rng, sector, [Line("staff", _with_why(rng, rng.choice(WAIT)), "e"),
                                  Line("customer", rng.choice(CUSTOMER_OK), AWAY_MARK)])


def wl_length(rng, sector):
    return _waiting(rng, sector, [Line("staff", _with_why(rng, rng.choice(WAIT_LENGTH))),
                                  Line("customer", rng.choice(CUSTOMER_OK), AWAY_MARK)])


def wl_length_next_line(rng, sector):
    length = rng.choice(LENGTH_FIRST)
    return _waiting(rng, sector, [Line("staff", length), Line("staff", rng.choice(WAIT)),
                                  Line("customer", rng.choice(CUSTOMER_OK), AWAY_MARK)])


def plain(rng, sector):
    business = rng.choice(sector.businesses)
    return [(business.name, _opening(rng, business.name) + _work(rng, rng.randint(1, 3))
             + _closing(rng))]


# variant -> (builder, the rule it is about, whether that rule should find it)
VARIANTS: dict[str, tuple[Build, str, bool]] = {
    "no direction": (fa_no_direction, "first_asked", True),
    "only a vague pointer (问问别人)": (fa_vague_pointer, "first_asked", True),
    "deflected and seen off": (fa_sent_off, "first_asked", True),
    "direction in the same line": (fa_direction_same_turn, "first_asked", False),
    "direction before the deflection": (fa_direction_first, "first_asked", False),
    "direction in the next line of the turn": (fa_direction_next_line, "first_asked", False),
    "direction in the next staff turn": (fa_direction_next_turn, "first_asked", False),
    "handed over (我帮您联系)": (fa_handover, "first_asked", False),
    "customer's own 不归我管": (fa_customer_self, "first_asked", False),
    "customer quotes a deflection": (fa_customer_quote, "first_asked", False),
    "staff quotes a deflection": (fa_staff_quote, "first_asked", False),
    "missing, none named": (to_vague, "tell_once", True),
    "missing, none named, seen off": (to_vague_sent_off, "tell_once", True),
    "named piecemeal in one visit": (to_piecemeal, "tell_once", True),
    "fewer named than counted": (to_fewer_than_counted, "tell_once", True),
    "return the same day, told more": (to_return_told_more, "tell_once", True),
    "return the same day, two named, told a third": (
        lambda rng, sector: to_return_told_more(rng, sector, 2), "tell_once", True),
    "complete list": (to_complete, "tell_once", False),
    "none named, then the list": (to_vague_then_list, "tell_once", False),
    "materials told before asked": (to_informed, "tell_once", False),
    "return with all, done": (to_return_done, "tell_once", False),
    "return, an item named before": (to_return_repeat, "tell_once", False),
    "return for other business": (to_return_other_business, "tell_once", False),
    "another customer, same business": (to_another_customer, "tell_once", False),
    "wait without its length": (wl_no_length, "wait_length", True),
    "wait with its length": (wl_length, "wait_length", False),
    "length in the line before the wait": (wl_length_next_line, "wait_length", False),
    "plain business": (plain, "", False),
}
# 一次性告知 broken within one visit: the norm (000 第一篇第二十三条: 还需要补充以下材料……; 003:
# 一次性告知所需的全部资料), while issue 25's rule is a statement naming fewer materials AND the
# same business back the same day. Measured beside the floor, not in it.
ONE_VISIT = ("missing, none named", "missing, none named, seen off",
             "named piecemeal in one visit", "fewer named than counted")
LUNCH_S = (7200.0, 9000.0)  # a return comes back after lunch, two hours or more later


def case(rng: random.Random, sector: Sector, variant: str) -> Case:
    build, rule, positive = VARIANTS[variant]
    return Case(variant, rule, build(rng, sector),
                {r: positive and r == rule for r in RULES})


@dataclass(frozen=True)
class Phrasing:
    """A set of phrasings days can be said in: the dict replacing this module's lists, kept
    in a module beside this file and imported only when asked for."""

    about: str  # what the set is and what it is kept for
    shown: str = ""  # how a bench's headline names it ("" the bench's own lists)
    module: str = ""  # where the dict is ("" this module)
    swap: str = ""  # the dict ("" none: the lists above)

    def lists(self) -> dict[str, object]:
        if not self.swap:
            return {}
        return getattr(importlib.import_module(self.module) if self.module
                       else sys.modules[__name__], self.swap)


# A new set written apart is one row here (its flag in this bench and bench/rules.py).
PHRASINGS = {
    "bench": Phrasing("the bench's own lists"),
    "held-out": Phrasing("the phrasings held out from lexicon tuning (sequenced.HELD_OUT)",
                         "held-out phrasings", swap="HELD_OUT"),
    "fresh": Phrasing("a third set, written apart from both (sequenced_fresh.FRESH)",
                      "fresh phrasings", "sequenced_fresh", "FRESH"),
    "apart": Phrasing("a fourth, written apart from all three (sequenced_apart.APART)",
                      "phrasings written apart", "sequenced_apart", "APART"),
    "fifth": Phrasing("a fifth, written apart from all four (sequenced_fifth.FIFTH)",
                      "the fifth phrasing set", "sequenced_fifth", "FIFTH"),
    "sixth": Phrasing("a sixth, written apart from all five and kept for the final measure "
                      "(sequenced_sixth.SIXTH)", "the sixth phrasing set", "sequenced_sixth",
                      "SIXTH"),
    "seventh": Phrasing("a seventh, written apart from all six and kept for the intent "
                        "reader's final measure (sequenced_seventh.SEVENTH)",
                        "the seventh phrasing set", "sequenced_seventh", "SEVENTH"),
    "eighth": Phrasing("an eighth, written apart from all seven and kept for the deflection "
                       "and materials readers' final measure (sequenced_eighth.EIGHTH)",
                       "the eighth phrasing set", "sequenced_eighth", "EIGHTH"),
    "ninth": Phrasing("a ninth, written apart from all eight and kept for the first_asked "
                      "and tell_once readers' final measure (sequenced_ninth.NINTH)",
                      "the ninth phrasing set", "sequenced_ninth", "NINTH"),
    "tenth": Phrasing("a tenth, written apart from all nine and kept for session 11's "
                      "first_asked and tell_once readers' final measure (sequenced_tenth.TENTH)",
                      "the tenth phrasing set", "sequenced_tenth", "TENTH"),
    "eleventh": Phrasing("an eleventh, written apart from all ten and kept for session 12's "
                         "first_asked and tell_once readers' final measure "
                         "(sequenced_eleventh.ELEVENTH)", "the eleventh phrasing set",
                         "sequenced_eleventh", "ELEVENTH"),
    "twelfth": Phrasing("a twelfth, written apart from all eleven and kept for session 13's "
                        "first_asked and tell_once readers' final measure "
                        "(sequenced_twelfth.TWELFTH)", "the twelfth phrasing set",
                        "sequenced_twelfth", "TWELFTH"),
    "thirteenth": Phrasing("a thirteenth, written apart from all twelve and kept for session 13's "
                           "final first_asked and tell_once readers' measure at its end "
                           "(sequenced_thirteenth.THIRTEENTH)", "the thirteenth phrasing set",
                           "sequenced_thirteenth", "THIRTEENTH"),
}


def add_phrasing_flags(parser: argparse.ArgumentParser) -> None:
    """One flag a set (--held-out, --fresh ... --ninth) into `phrasing`, the bench's own lists
    if none is given."""
    group = parser.add_mutually_exclusive_group()
    for name, said in PHRASINGS.items():
        if said.swap:
            group.add_argument(f"--{name}", dest="phrasing", action="store_const", const=name,
                               help=said.about)
    parser.set_defaults(phrasing="bench")


def generate(seed: int, days: int, per_day: int = 18, phrasing: str = "bench",
             typos: float = 0.0) -> list[Day]:
    """`days` typed days (sectors in turn, every other one with queue calls), `per_day`
    cases each, the variants dealt from a shuffled deck so each is about as frequent, said
    in the set `phrasing` names (a key of PHRASINGS: its lists instead of those they
    replace); `typos`: that share of the lines typed with one error
    (sequenced_fresh.mistype), the truth unchanged."""
    swap, mistype = PHRASINGS[phrasing].lists(), None
    if typos:
        import sequenced_fresh  # beside this file; it builds on this module's records
        mistype = partial(sequenced_fresh.mistype_cases, share=typos)
    shown = {name: globals()[name] for name in swap}
    globals().update(swap)
    try:
        return _generate(seed, days, per_day, mistype)
    finally:
        globals().update(shown)


def _generate(seed: int, days: int, per_day: int,
              mistype: Callable[[random.Random, list[Case]], None] | None) -> list[Day]:
    rng = random.Random(seed)
    mistakes = random.Random(f"typos {seed}")  # apart, so the days are the same but typed
    deck: list[str] = []
    out = []
    for n in range(days):
        name = list(SECTORS)[n % len(SECTORS)]
        chosen = []
        for _ in range(per_day):
            if not deck:
                deck = rng.sample(list(VARIANTS), len(VARIANTS))
            chosen.append(case(rng, SECTORS[name], deck.pop()))
        if mistype:
            mistype(mistakes, chosen)
        out.append(lay_out(rng, f"day{n + 1:03d}-{name}", name, f"W{n % 9 + 1:02d}", chosen,
                           queue=n % 2 == 0))
    return out


def _schedule(rng: random.Random, cases: list[Case]) -> list[tuple[int, int]]:
    """(case, visit) in time order: a customer's first visit in the morning and the return
    after lunch; single visits either side. None marks lunch."""
    morning, afternoon = [], []
    for n, c in enumerate(cases):
        if len(c.visits) == 2:
            morning.append((n, 0))
            afternoon.append((n, 1))
        else:
            (morning if rng.random() < 0.5 else afternoon).append((n, 0))
    return rng.sample(morning, len(morning)) + [None] + rng.sample(afternoon, len(afternoon))


def lay_out(rng: random.Random, name: str, sector: str, window: str, cases: list[Case],
            queue: bool) -> Day:
    """The cases as one window's timed day: lines, visits, queue calls and evidence spans."""
    utterances: list[Utterance] = []
    calls, visit_case, visit_lines, marked = [], {}, {}, {}
    clock = rng.uniform(5, 60)
    for slot in _schedule(rng, cases):
        if slot is None:
            clock += rng.uniform(*LUNCH_S)
            continue
        n, part = slot
        business, lines = cases[n].visits[part]
        label = f"v{len(visit_case) + 1:02d}"
        first = len(utterances)
        for line in lines:
            end = clock + 0.6 + 0.28 * len(line.text)
            utterances.append(Utterance(round(clock, 2), round(end, 2), line.role, line.text,
                                        visit=None if queue else label, window=window))
            if line.mark == "e":
                marked.setdefault(n, []).append((clock, end))
            clock = end + (rng.uniform(60, 420) if line.mark == AWAY_MARK else rng.uniform(0.5, 2))
        visit_case[label] = n
        visit_lines[label] = tuple(range(first, len(utterances)))
        if queue:
            calls.append(Call(window, round(utterances[first].start - rng.uniform(3, 10), 2),
                              round(utterances[-1].end + rng.uniform(2, 8), 2),
                              f"A{len(calls) + 1:03d}", business))
        clock += rng.uniform(20, 240)
    spans = {n: (round(min(s for s, _ in v), 2), round(max(e for _, e in v), 2))
             for n, v in marked.items()}
    return Day(name, sector, SECTORS[sector].profile, window, utterances, calls, cases,
               visit_case, visit_lines, spans)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--write", type=Path, help="write each day's JSONL and labels here")
    add_phrasing_flags(parser)
    parser.add_argument("--typos", type=float, nargs="?", const=0.15, default=0.0,
                        help="share of lines typed with one error (0.15 if no value)")
    args = parser.parse_args()
    days = generate(args.seed, args.days, phrasing=args.phrasing, typos=args.typos)
    for day in days:
        if args.write:
            day.write(args.write)
        print(f"{day.name}: {len(day.utterances)} lines, {len(day.visit_case)} visits, "
              f"{len(day.calls)} queue calls, "
              f"{sum(c.rule != '' and c.truth[c.rule] for c in day.cases)} positive cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
