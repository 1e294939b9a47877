"""What a staff line does, read from its structure (issue 25): a deflection, a direction,
a hand-over, a wait.

Phrase lists and patterns written from one set of wordings missed the next writer's
(every set written apart lost what the one before gained), since they list phrasings, not
the norm. Here a line is read clause by clause for the parts the norm speaks of, each a
word class (`lexicons/words/intent.toml`) a hall may widen: a deflection is the counter
(我们, 这儿) or the matter (这个) with a negated handling, belonging or scope (不 + 受理,
不归, 没 + 这项业务, 办不了, 跟我们没关系), its handling asked back as absurd (谁说这在我们
这儿办的？ 这哪能是我们管的) or the citizen sent to the wrong place (走错了, 找我们没用); a
direction is a place, office, person or channel named by a name of its own (三号窗口, 社保局,
管片民警, 车管所的电话; not 别的部门, 相关单位, 打个电话) with a way there
or a doing there (去, 在, …管这个), a number to call, or a walk (出门右转), or told, sent
or said by how far or when open (我跟您说地方：…, 位置发您手机上, …离这儿几百米); a hand-over is
staff acting for the citizen (我帮您联系, 我叫…过来, 我让…回复您). What cannot be done
without a paper (要是没有原件，这边就没法弄) is a lack, no deflection. What is asked back (不归我们管？), said
of the customer's lacks (缺材料，办不了) or of time (今天办不了) is no deflection. A deflection
is also read by what it means when no "no" is said of the counter: the matter placed with
another party that has no name of its own (这得人家那边弄, 归别的口), the counter's own
inability or lack of access (咱这儿整不了, 系统里查不到这个, 没这个权限) unless a time, a fault or
a question says it is a wait or a lookup, the citizen sent to no place (得找负责的单位), or the
counter said of one kind and the matter of another, what each is said to be sharing no word
(我们是管缴费的，您这个是审批的事; not 我们是管社保的，您这是社保卡的事).
A wait is the counter keeping the matter: the citizen asked to wait or staff doing it
themselves (您稍等, 我去拿, 我再查查); what is not here or cannot be done this moment, said
with it (章不在我这，我去拿), is fetched or tried again, not sent away, and where the citizen
waits (您在旁边等一等) is no place sent to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import materials
from .lexicon import word_classes, words_file

INTENTS = ("deflection", "direction", "handover", "wait")  # what a rule may ask of a line
# regional forms read as the standard word (唔系我哋嘅嘢 = 不是我们的事), by their class
REGIONAL = {"regional_cannot": "办不了", "regional_not": "不是", "regional_no": "不", "regional_at": "在",
            "regional_none": "没",
            "regional_self": "我们", "regional_here": "这里", "regional_this": "这个",
            "regional_of": "的", "regional_thing": "事"}


@dataclass(frozen=True)
class Intent:
    """What one line does (several at once: 不归我们管，您去三号窗口): for each, the clause
    read as doing it, empty if none (a finding quotes it)."""

    deflection: str = ""
    direction: str = ""  # a place or channel to turn to, or handed over
    handover: str = ""
    wait: str = ""  # staff keep the matter: a wait asked, or doing it themselves (我去拿)

    def has(self, name: str) -> bool:
        return bool(getattr(self, name))


CLAUSE = re.compile(r"[^，。？！,.?!；;…\s]+[？?]?")
_QUESTION = re.compile(r"(?:[？?]|吗|么|是不是|对不对|有没有|能不能|对吧|是吧)$")
# a deflection gainsaid or asked back without a question mark (什么叫不归我们管, 那是搞错了)
_GAINSAID = re.compile(r"什么(?=叫|不|没)|怎么会|怎么能|哪能|谁说|谁讲|谁跟您说|谁跟你说|瞎说|胡说|"
                       r"^说(?!明)(?=[^，。]{0,3}(?:不|没|我们|咱|找错|走错|跟我们))")
# someone said wrong (…那是搞错了): a gainsay of a no said before it, not of a claim that it
# can be done (刚才小姑娘说能办是她说错了)
_SAID_WRONG = re.compile(r"(?:他|她|们|那|是|家|人)(?:都|也|肯定|可能)?(?:搞错|弄错|说错|讲错)")
# a no of a no is a must (这个不得不办, 我们不能不收): no refusal
_MUST = re.compile(r"(?:不得|不能|不可|不会|没法|不可能)不(?=[\u4e00-\u9fff])")
# a word drawn out or broken off by dashes (这个——我们——不——办) is one clause; a clause-final
# 额 is Wu's 的 (勿是阿拉搿搭额)
_DRAWN = re.compile(r"[—－~～]+")
_WU_OF = re.compile(r"(?<=[\u4e00-\u9fff])额(?=[，。？！,.?!\s…]|$)")
# the list staff checked themselves (我对一下清单, 我对着受理清单看了): no list of papers to bring
_CHECKED = r"(?:我|咱)(?!们)[^，。？！]{0,3}?(?:对|核对|查|看|翻|对照|对着)[^，。？！]{0,6}?(?:清单|目录|单子)"
_NO_MATTER = re.compile(r"不管(?=[^，。]{0,4}(?:怎|什么|多少|谁|哪|是否|是不是|如何|几))|"  # no matter how
                        r"(?:不用|不必|甭|不要|无需|用不着|别)(?:再|去|跑)?(?:去|到|找|问|上)"  # no need to go
                        r"(?:别的|其他|其它|另外|别)[^，。？！]*")
# what every deflection holds: a no, a wrong, an only, a matter moved, a "who" or another party
_REFUSING = re.compile(r"[不没无非未别甭错超只光仅就谁划移转调拨挪剥分交并归属另白停收]|取消|撤销|废止|人家|他们|她们|那边|"
                       r"上面|上头|上级|专门|负责|主管|相关|有关|对口")
# not on the list of what the counter takes (这项不在受理清单上): no list of papers to bring
_UNLISTED = r"不在[^，。？！]{0,6}?(?:清单|目录|名录|名单|列表|单子)(?:上|里|内|中|之内)?"
# a list of powers (按市里的权责清单): whose a matter is, no list of papers
_POWERS = r"(?:权责|职责|职权|权力|责任)(?:清单|目录)"
_YOURS = re.compile(r"(?:您|你)(?:这儿|这里|这边|这块儿|这头|那儿|那里|那边)")  # the customer's side
_OTHER_SUBJECT = re.compile(r"(?:您|你)(?!这|的|说的)|他|她|它")
_REPORTED = re.compile(r"(?:他们|她们|人家|别人|有人|谁|那边|社区|前台|门口)[^，。]{0,6}"
                       r"(?:说|讲|告诉|让您|叫您|让你|叫你)")


def words_path() -> Path:
    return words_file("intent")


@lru_cache(maxsize=4)
def _patterns(path: str) -> "_Patterns":
    return word_classes(path, _Patterns)


class _Patterns:
    """The structures, built once from the word classes."""

    def __init__(self, c: dict[str, str]):
        N, H, M, SC = c["negation"], c["handle"], c["matter"], c["scope"]
        S = rf"(?:{c['self']}|本(?:{c['place']}))"  # 本窗, 本所: the counter by its kind of place
        UN, END = c["unrelated"], r"(?:[啊呀哈吧呢嘛啦嘞咯哟噢哦喔噻撒呗咧喽啰哇么呐哩厚]|您)*$"  # …的嘞您
        # not a refusal after all: asked, done, 不管它 (never mind it), 不收费 (free of charge),
        # 不支持现金 (a way to pay)
        not_asked = (r"(?!怎|什么|多少|是不是|谁|哪|咋|完|好|了|错|清|懂|明白|法|到过|过来|得|自|实|"
                     r"它|他|她|(?<=收)[^，。？！]{1,3}费|(?:(?<=收)|(?<=支持))(?:您|你)?的?"
                     r"(?:费|钱|现|据|款|件|到|好|拾|着|刷卡|扫码|微信|支付宝|银行卡|信用卡))")
        # a scope word beginning a paper's name is no scope (无第三方责任承诺书, 授权书)
        paper = r"(?![^，。？！]{0,3}(?:书|证明|声明|表|单|证|函|意见|协议))"
        self.self_ = re.compile(S)
        # a clause that is only the counter or the matter, said apart (这个，我们这里，没有)
        self.bare = re.compile(rf"^(?:{S}|{M}|{c['counter']}|事情|事儿|事)+[啊呀哈吧呢嘛么]*$")
        self.regional = [(re.compile(c[name]), word) for name, word in REGIONAL.items()]
        self.matter = re.compile("^" + M)
        # a no with its doer left unsaid, the whole clause (不受理。 办不了，这个): the counter's
        self.unsaid = re.compile(rf"^(?:(?:{N})(?:{H})|(?:{H})不(?:{c['able']})){END}")
        self.now = re.compile(c["now"])
        # the counter keeps the matter: a wait asked (您稍等), or staff doing it now, going
        # for it (我去拿, 我到档案室调一下), at once (我再查查, 我这儿处理着) or under way
        # (我查一下, 我打印完); 我看 alone is "I think", 我们 is no doer here
        D = c["doing"]
        # not 等着也没用
        self.wait = re.compile(rf"(?:{c['wait']})(?![^，。？！]{{0,3}}(?:没用|白等|不行|不管用|也没))")
        at_once = rf"(?:{c['adverb']}|这就|马上|现在|先|再|这边|这儿|这里|自己)"
        self.doing = re.compile(
            rf"(?<![不没别在到给找问跟和与归由])(?:我|咱)(?!们)(?:{at_once}*(?:去|到|来|上|进|给您|给你|帮您|帮你)"
            rf"[^，。？！不没]{{0,8}}?(?:{D})|{at_once}+(?:{D})(?![不没过了])|(?:{D})(?:一下|一|下|完|好|着))"
            rf"(?!下一|后面|别人|别的|其他)|"                                        # not 我先办下一位
            rf"(?:马上|一会儿|待会儿?|很快|这就)就?(?:送|拿|带|来|回来|到|过来)|"   # 同事马上送来
            rf"(?<![您你])(?:得|要|需要)(?:先|再)?(?:{D})(?:一下|下|一)"             # 得问下科长
            rf"(?![^，。？！]{{0,4}}(?:{c['nowhere']}|{c['others']}))")
        # whom staff asked already (我刚打内线问了科长): the answer's source, no place to go
        self.asked_before = re.compile(r"(?:我|咱)(?!们)[^，。？！]{0,6}?(?:问|打听|请示|核实|确认)(?:了|过)"
                                       r"[^，。？！去到找上]{0,6}$")
        self.fault = re.compile(rf"(?:{c['device']})[^，。]{{0,4}}?(?:{c['fault']})")
        self.lack = re.compile(r"缺|差(?!不多)|少了|不全|不齐|不完整|不完备|没凑(?:够|齐)|凑不(?:够|齐)|没带|"
                               r"(?:复印|扫描|翻拍)[^，。？！]{0,2}不(?:收|要|认|行)|"
                               r"没签|没盖|没填|没交|得补|要补|补交|不合格|过期|不符合|"
                               r"(?:要是|如果|假如|若是|倘若|万一)(?:您|你)?(?:还)?(?:没有?|不带)|"  # 要是没有原件，…没法弄
                               r"没(?:备|弄|准备)?齐|没有的话|没有就|回去准备|准备齐|备齐|"
                               r"(?<!权限)(?<!系统)(?<!电脑)(?<!业务)(?<!范围)(?:里头|里面)(?:还)?(?:没有|没)|"
                               r"这点|这么点|光这|就这点|只有这|单子|清单|告知单|须知|指南")
        # a matter moved away from the counter, or taken back before now (划出去, 早就收走了)
        moved = (rf"(?:{c['moved']})(?:出去|走|到别处|给别的)|"
                 rf"(?:就|早|已经|已)[^，。]{{0,2}}?(?:被)?收(?:走|出去|回去|上去)")
        # not what a counter is there for (不是窗口能弄的, 不是我们柜台能定的)
        counters = (rf"不是(?:{S})?(?:{c['counter']})(?:{c['adverb']})*(?:能|该|可以|来)?"
                    rf"(?:{H}|定|决定|做主)")
        # what is not the counter's at any time, said with it (我们, 这儿) in the clause
        self.not_ours = re.compile("|".join([
            rf"不(?:是)?(?:归|属于?|由){not_asked}",                           # 不归, 不属于
            r"不在(?:这|那)?(?:里头|里面|其中|之列|范围|内)",                       # 您这个不在里头
            _UNLISTED,                                                         # 不在受理清单上
            rf"(?:不是|非(?!常|得)|没有?|无|超出了?|超过了?|不在|不属于?|不具备|不具有|不适用|不适合)"
            rf"[^，。]{{0,8}}?(?:{SC}){paper}",                                 # 没这项业务, 非本单位职责
            rf"(?:不是|不在|不属于?)[^，。]{{0,8}}?(?:的|该管的|这)(?:{c['work']})",  # 不是我们的事
            rf"不是在?{S}[^，。？！]{{0,6}}的了?{END}",                          # 不是我们这儿的(了)
            rf"不是{S}(?:能|该|可以|来)?{H}", counters,                        # 不是这边负责
            # 管这个的不是我们, 归口单位不是我们
            rf"(?:{H})(?:[^，。]{{0,4}}的)?(?:{c['generic']}|人|地方|方)?(?:{c['adverb']})*不是{S}",
            moved,
            rf"(?:没|没有|未)(?:被)?(?:划|分|拨|下放|移交)(?:给|到|进){S}",           # 没划给我们
            rf"{S}(?:这儿|这里|这边|这)?(?:{c['adverb']})*不是(?!不){H}",       # 我们就不是管这个的
            rf"(?:跟|和|与){S}[^，。]{{0,6}}(?:没有?|无|不)"
            rf"(?:(?:啥|什么|任何)?关|[^，。]{{0,3}}?(?:关系|{UN}))",                 # 扯不上关系
            rf"不(?:{UN})|八竿子打不着",                                         # 不沾边
            rf"(?:没有?|未|不)(?:被)?(?:授权|资质|资格){paper}",                  # 没授权给我们
            rf"(?:不|没)(?:允许|许可|准许|批准|同意|让|许|准|给|叫|向|对)?(?:{S}|{c['counter']}|{c['place']}){{1,3}}"
            rf"(?:来)?(?:放|下放|授权|开放|{H}){not_asked}",          # 上头没给我们放, 不准我们这边办
            rf"不(?:适用|适合|适于)(?:于|在|到)?{S}",                              # 不适用本窗口
            rf"不是?(?:从|经|由|通过|在)?{S}[^，。]{{0,4}}走|不走{S}",               # 流程不走我们这儿
            rf"不对(?:{S})+(?:这个?|的)?(?:口|路|业务|范围)",                         # 不对我们这口
            rf"(?:落|轮|摊|派|算)不(?:到|着)(?:{S})+",                               # 落不到我们头上
            rf"不(?:经|过|走)(?:{S})+[^，。？！]{{0,4}}?的?手",                      # 不经我们的手
            rf"不是(?:{S})+个(?:{c['work']})",                                       # 不是我们个事情
        ]))
        # not here this moment (不在我这儿): a wait when staff go on with it (章不在我这，我去拿)
        self.located = re.compile(rf"(?:不|没)(?:落|放|搁)?在{S}")                  # 不落在我们这儿
        # what the counter cannot do, said with it in the clause: a delay when said with a
        # time or a fault (今天办不了, 系统坏了) or followed by a wait (…，您稍等，我再查查)
        self.cannot = re.compile("|".join([
            rf"{N}在?(?:给|帮|替|为|代)?(?:您|你|他们|她们|人家)?{H}{not_asked}",   # 不受理, 没法代他们办, 没在受理
            r"(?:不|没法|不能)(?:给您|给你)?(?:出|开|盖)(?:这种|这类|此类|这样的)[^，。？！]{0,4}?"
            r"(?:证明|证|单|章|手续|文件)",                                        # 我们不出这种证明
            rf"{N}代{END}|(?:代替|替代|顶替|代|替)不(?:{c['able']})",               # 这个不代, 我们代替不了
            rf"只(?:能|好|得)(?:给您|给你)?(?:退|打回|驳回|拒)(?:回去|回来|回|给您|给你|掉)?{END}",  # 我们也只能退回去
            rf"(?:{H}|帮|轮|插|管)不(?:{c['able']})(?!解|明|懂|清|好)",          # 办不了, 管不着
            rf"{S}[^，。]{{0,3}}(?:没有|没)(?:这|那)?一?(?:项|个|种|样)?{END}",       # 我们这没有
            rf"(?:没有?|不|未)(?:{c['opened']})(?:这|那|此|{END})",                # 没开这项, 这边没有开
            r"停办|停止(?:办理|受理)|出不(?:了|成)|不出手",                           # 您这个我们出不了
            rf"不对(?=这|那|此)",                                             # 我们不对这个
            rf"没(?:人|谁)(?:{H})",                                           # 我们这儿没人管
            r"没(?:辙|招|法子)|(?:办法|法子|辙|招)(?:都|也)没有?|无能为力|做不(?:了|得)主|作不了主|"
            r"说了不算|拍不了板",                                                # 我们也没辙
            rf"(?:没有?|无)(?:这|那|此)?(?:个|一|种|类)?(?:{c['access']})",       # 没这个权限, 查无此项
            rf"(?:{c['access']})(?:里头|里面|里|内|上|中)[^，。]{{0,4}}(?:没有?|无)",  # 权限里头没有
        ]))
        # the counter's handling asked back as if absurd, a no said as a question (谁说这在我们这儿
        # 办的？ 这哪能是我们管的; 我们要是能办还能不给您办吗; 您看我们这儿像办这个的地方吗)
        self.denied = re.compile("|".join([
            rf"(?:谁|哪个)[^，。？！不没]{{0,4}}(?:说|讲|告诉)[^，。？！不没]{{0,6}}?(?:在|是|归|由){S}"
            rf"[^，。？！不没]{{0,6}}(?:{H})",
            rf"(?:哪能|哪里能|怎么能|怎能|怎么会)[^，。？！不没]{{0,3}}?(?:是|在|归|由)?{S}[^，。？！不没]{{0,6}}(?:{H})",
            rf"(?:要是|如果|若是|假如)能(?:{H})[^，。？！]{{0,6}}(?:还|哪|怎么)(?:能|会)不",
            rf"{S}[^，。？！]{{0,3}}像(?:是)?(?:{H})[^，。？！]{{0,8}}(?:地方|{c['counter']}|{c['place']})",
            rf"写着?(?:{H})(?:这|那)(?:个|种|类|项)?(?:吗|么)",                      # (牌子上)写着办这个吗
            rf"^(?:那|又|可|这)?(?:怎么能|哪能|怎能|怎么可能|哪里能)(?:给您|给你|帮您|帮你|替您|替你)"
            rf"(?:{H})(?:这|那)(?:个|种|类|事|项)",  # (我们一个收费的，)怎么能给您办这个呢
        ]))
        # a service said not had, the counter unsaid, at any time (没这个业务了, 现在没这项服务了)
        self.unoffered = re.compile(rf"^(?:{c['now']}|已经|早就)?(?:没有?|无)(?:这|那|此)(?:个|项|种|类|一)?"
                                    rf"(?:业务|服务|项目|事项|职能|职责)")
        # a record or tool the counter cannot get at (查不到, 开不了): a lookup that goes on
        # when the line asks something (您这个我们查不到，您是不是输错号了？)
        self.unreached = re.compile(rf"(?:{c['reach']})不(?:{c['able']})(?!解|明|懂|清|好)")
        # said of the matter (这个, 您这事) at the clause's start, the counter unsaid: not
        # ours, or (no delay said) not to be done
        self.matter_not_ours = re.compile("|".join([
            rf"不(?:归|属于?|由){not_asked}",
            rf"不(?:{UN})|八竿子打不着",
            moved, counters,                                                   # 划出去了
            rf"不是(?:的)?{END}",                                              # 这个不是
            r"^(?:这|那)(?:个|项|类|种)?[^，。]{0,3}?(?:早就|早|已经|已)(?:被)?(?:取消|撤销|废止|停办|停掉|撤掉)",  # 这项服务早取消了
        ]))
        self.matter_cannot = re.compile(
            rf"(?:{H}|帮|轮|插)不(?:{c['able']})(?!解|明|懂|清|好)|{N}{H}{not_asked}(?:的)?{END}")
        # a matter placed with another party by no name of its own (得人家那边弄, 是别的部门的活)
        party = (rf"(?:{c['others']}|(?:{c['nowhere']})[^，。]{{0,3}}?"
                 rf"(?:{c['place']}|{c['person']}|口|家|人))")
        self.placed = re.compile(
            rf"(?:得|要|该|须|需要|只能)(?:去|到)?(?:找|问|去|到|上|换)(?:问)?(?:别的|其他的?|"
            rf"其它的?|另外的?|另一个?|专门的?|负责的?|主管的?|相关的?|有关的?|对口的?|管这[个块]?的?)"
            rf"[^，。]{{0,3}}?(?:{c['place']}|{c['person']}|口|家|人)|"              # 得找负责的单位
            rf"(?:(?:得|要|该|须|需要|归|由|是|属于?|让|靠|涉及到?|牵涉到?)(?:去|到|上|往|找|让|交给|给|问){{0,2}}{party}|"
            rf"^(?:{c['matter']})?(?:人家|(?:别的|其他的?|其它的?|另一个?|另外一个|另外的)[^，。]{{0,3}}?"
            rf"(?:{c['place']}|{c['person']})))"
            rf"[^，。？！]{{0,8}}?(?:(?:{H}|批|定|审|做主|拍板){not_asked}(?!了|完|好|过)|"
            rf"的(?:{c['work']}|{SC}))|"
            rf"(?:归|属于?){party}")                                            # 归别的口
        self.progress = re.compile(r"等|还在|正在|在办|在弄|已经|好了|完|会|回头|马上|过了|通知")
        # the wrong place, said any way
        self.wrong = re.compile("|".join([
            rf"{c['wrong']}错(?:了)?(?:地方|地儿|窗口|门|部门|单位|人|队|科室|楼|科|口)",
            rf"(?:走|找|跑|来)错(?:了|啦|喽|咯)",
            rf"(?:{c['wrong']})的(?:是)?(?:不对|不是)(?:的)?(?:地儿|地方|窗口|门|部门|单位|科室|人|队|口)",  # 您问的不对地儿
            rf"(?:找|问|来)(?:{S}){{1,2}}(?:也|都)?(?:没用|不对|白搭|白找|白问|没辙|不管用|不顶用|办不了|不行)",
            rf"不该(?:来|找|问|到)?{S}",
            rf"不关{S}",
            r"(?:得|要|该|去|到|找|问|上)(?:找|去|到|问)?(?:别的|其他的?|其它的?|另外的?|别)(?:部门|窗口|单位|地方|科室|人|家|处)",
            rf"(?:别|甭|不要|不用)(?:来)?(?:找|问){S}",
            rf"不(?:找|问){S}",
            r"另(?:找|寻|换|去)(?:个|一个|一家|一处)?(?:地方|部门|窗口|单位|人|家|处|地儿)",
            rf"谁(?:让|叫|喊)(?:你|您)(?:来|到|上)",
            rf"(?:只|光|就)(?:{H})(?:{S}|自己)*(?:这一?(?:块|摊|片|部分)|本职|分内|自己)",
            rf"(?:得|要|需要|须|请)(?:您|你)?另(?:外|行)(?:走|办|找|去|跑|申请|办理|处理)",      # 审批您得另外走
        ]))
        # only ours, the rest not, across a comma (只办社保，别的不办)
        self.only = re.compile(rf"(?:只|光|仅)(?:{H})[^，。]{{1,10}}[，,][^，。]{{0,6}}(?:不|没)(?:{H})")
        # only the counter's own area, said as all it does (我们只能管本辖区的): asking the
        # citizen's after it (…，您是本区的吧) is no deflection
        self.own_area = re.compile(rf"(?:只|光|仅)(?:能|可以)?(?:{H})(?:自己)?本(?:辖区|地区|地|区|市|县|镇|街道|片区|片)"
                                   rf"的?{END}")
        # the counter said of one kind and the matter of another, or not fitting, in clauses
        # one after the other (我们是管缴费的，您说的这个是审批的事; 我们这块只弄户籍的，您这个挨不上)
        self.ours = re.compile(rf"(?:{S})+[^，。？！]{{0,4}}?(?:(?P<only>只|光|仅)(?:能|可以|是)?|是)"
                               rf"(?P<kind>[^，。？！]{{1,12}}?)(?P<of>的|{c['counter']})?{END}")
        self.theirs = re.compile(rf"(?:(?:您|你)[^，。？！是在]{{0,4}}?|这个|这种|这事|这|那)(?P<verb>是|属于|算|在)"
                                 rf"(?!{S})(?P<kind>[^，。？！]{{1,12}}?){END}")
        # a kind said as a line of work (…的事, 那条线的, 那一块的, …的业务), not a month or a number
        self.domain = re.compile(r"事|业务|活|线|块|口|部门|科|窗口")
        self.unfit = re.compile(rf"[^，。？！]{{0,6}}?(?:您|你)[^，。？！]{{0,4}}?(?:对不上|挨不上|挨不着|搭不上|不对口|不沾边|"
                                rf"不符合?|不是){END}")
        P, person, agency, channel = c["place"], c["person"], c["agency"], c["channel"]
        self.nowhere = re.compile(c["nowhere"])
        self.agency = re.compile(agency)
        # 外面 after a landmark places it (西门外面的服务站), and before one pointed at (外面那排
        # 平房); after a way, alone, it is nowhere (去外头问问)
        self.outside = re.compile(r"(?<=[\u4e00-\u9fff])(?<![去到上在往出找])(?:外面|外头|外边)|"
                                  r"(?:外面|外头|外边)(?=的?(?:那|这)(?:排|栋|间|座|幢|片))")
        # where the citizen waits while the matter stays here (您在旁边等一等), not where it is done
        self.waits_here = re.compile(rf"(?:{c['wait']})|在[^，。？！]{{0,10}}?(?:等|坐|候|歇)")
        self.beside = re.compile(c["beside"])
        self.filler = re.compile(r"^(?:一下|一趟|一个|个|下|趟|那个|这个|这|那|是|问问|问一下|"
                                 r"找找|看看|直接|先|再|就|还是|得|要|去|到|上|您|你)+")
        self.generic = re.compile(c["generic"])
        self.numbered = re.compile(r"(?:[A-Z](?:座|区|栋|楼)|[0-9一二三四五六七八九十两]+(?:号(?:窗口?|柜台?|台|楼|门|诊室)|"
                                   r"楼|层|栋|区)|第[一二三四五六七八九十0-9]+个?(?:窗口|柜台|台|间|屋|排|家|"
                                   r"道门|个门|栋|层))")
        # …办 is an office (犬管办, 老龄办) where no doing comes with it (再办, 去办了); a head
        # said twice over is a verb (站站), no place
        office = r"(?<=[\u4e00-\u9fff])(?<![再来去能以才就好着给帮您你们了要得])办(?=$|那|管|在|的|[，。？！\s])"
        self.head = re.compile(rf"(?P<h>{P}|{person}|{agency}|{channel}|{office})(?!(?P=h))")
        self.channel = re.compile(channel)
        # 归口 is whose, 问的是 what was asked (找的是 is where): no way there
        # a way there broken off by a pause (您去……税务局): read on into the next clause
        self.going = re.compile(rf"(?:{c['move']}|得)$")
        self.way = re.compile(rf"(?:{c['move']}|在|搁|归(?!口)|由|给)(?!(?<=问)的)")
        # whose matter it is (这是税务局的业务, 这事儿归房产交易)
        self.whose = re.compile(rf"[^，。不没]{{0,4}}?的(?:{SC}|{c['work']})")
        self.belongs = re.compile(r"(?<![不没])(?:是|归|属于)")
        self.belongs_to = re.compile(rf"(?<![不没])归(?:属于?)?(?!属|于|{S}|{c['nowhere']}|{c['others']}|"
                                     rf"这|您|你|谁|哪|还|口|不|没)[^，。？！]{{2,10}}$")
        # online, a number handed, an app to get (网上就能办, 给您个电话号码, 下个App)
        self.online = re.compile(rf"网上(?:就|也|都)?(?:能|可以)?(?:办|申请|预约|申报|缴|交)|"
                                 rf"(?:给|告诉)(?:您|你)[^，。]{{0,6}}(?:电话|号码|地址)|"
                                 rf"(?:下载|下|装|关注|登录|登陆)(?:一下|个|一个)?[^，。]{{0,8}}?"
                                 rf"(?:App|APP|app|小程序|公众号|客户端|应用|软件)|"
                                 # 手机上搜券商
                                 rf"(?<!搜)搜(?:一下|搜|一搜)?看?(?!看|搜|{c['nowhere']})[^，。？！]{{2,10}}")
        when = (r"(?:周[一二三四五六日天末]|工作日|每天|上午|下午|早上|中午|晚上|明天|今天|明早|明儿|后天|"
                r"[零一二三四五六七八九十两0-9]+点(?:半|钟|[零一二三四五六七八九十0-9]+分?)?)")
        # a place told as the answer (不是三楼那个，是…; 地方是…; 下来就是…; 得…)
        self.answer = re.compile(r"(?:^|(?<=[就也对哦那方置儿]))(?:是|得)(?!不|没|我|咱|本|这|那)")
        self.there = re.compile(rf"(?:只有|只在|仅)?{when}*[^，。？！不没别无未非]{{0,3}}?(?:那边|那儿|那里|那头)?"
                                rf"(?:就|也|都|才|专门)?(?:是|能|可以|会)?{c['there']}")
        # a place named in one clause, pointed to in another (…咨询台，您去那儿; …，他们管这个;
        # …咨询台，您过去; …签证处，就那儿)
        self.pointed = re.compile(r"(?:去|到|找|上|问|奔)(?:那儿|那边|那里|那头|他们|她们|人家|那(?=[，。？！\s]|$))|"
                                  # shown on a plan of the place (您看墙上这张平面图，…区林业站在这儿)
                                  r"平面图|导视图|示意图|导览图|楼层图|地图|"
                                  r"(?:他们|她们|那边|那儿|那里)(?:就|也|都|才|专门)?(?:能|可以|会)?"
                                  r"(?:给您|给你|帮您|帮你)?(?:管|负责|办|受理|处理|专门|解决|弄|整|搞)|"
                                  r"(?:^|[，。？！\s])(?:您|你)?(?:就|直接|赶紧|先)?(?:走|跑)?(?:过去|去)(?:了就|"
                                  r"(?:吧|就行|就是了?|看看|问问)?(?:[，。？！\s]|$))|"
                                  r"(?:^|[，。？！\s])(?:就|在)?(?:那儿|那边|那里)(?:就是)?(?:[，。？！\s]|$)|"
                                  r"(?:^|[，。？！\s])(?:离这儿?|离这里|离这边)?(?:不远|几步路|没几步|挺近|很近|就几步)|"
                                  # how far, or when open (…离这儿走路也就几百米; …周六也开门)
                                  r"离(?:这儿?|这里|这边)[^，。？！]{0,6}?"
                                  r"(?:几百米|百米|[0-9一二三四五六七八九十两几百千]+(?:米|公里|站|分钟))|"
                                  r"(?:周[一二三四五六日天末]|每天|工作日|节假日)[^，。？！]{0,3}(?:开门|上班|办公|营业)|"
                                  # or when it closes (…四点半停止取号)
                                  r"[零一二三四五六七八九十两0-9]+点半?[^，。？！]{0,3}"
                                  r"(?:停止(?:取号|受理|办理|办公|营业)|关门|下班|闭馆|截止)|"
                                  # when to go there (…周末不开，您工作日去)
                                  rf"(?:^|[，。？！\s])(?:您|你)?(?:{when}|再)+过?去(?=[，。？！\s]|$)|"
                                  # the place told, written or sent (我跟您说地方：…; 位置发您手机上; 您记一下)
                                  r"(?:说|告诉|写|念)(?:个|一下)?(?:地方|地址|位置)|写(?:个|张)条子?[：:]|"
                                  r"(?:给|跟)(?:您|你)(?:说|讲|念|写)[^，。？！：:]{0,4}[：:]|"   # 我给您说两遍：…
                                  r"(?:地方|地址|位置|定位)[^，。？！]{0,3}?(?:发|给|念|写|告诉)给?(?:您|你)|"
                                  r"(?:您|你)?(?:那边)?(?:记一下|记下来|记好)|"
                                  # where it stands from a landmark (…，就在我们这条街的尽头; 树后面就是…)
                                  rf"(?:^|[，,。？！\s])(?:就在|就是)[^，。？！]{{0,8}}?(?:{c['beside']})|"
                                  r"(?:后面|前面|后头|前头|后边|旁边|对面|隔壁|边上)(?:就是|就在)|"
                                  # how it looks, or a sign at it (…，就是灰色的那栋楼; …，门口有个牌子)
                                  r"(?:^|[，,。？！\s])(?:就是|就在)(?:[^，。？！…]{1,6}的)?"
                                  r"(?:那|这)(?:栋|间|座|幢|排|家)|"
                                  r"有(?:个|一个|块|一块)?[^，。？！]{0,2}(?:牌子|招牌|指示牌|标牌)")
        self.walk = re.compile(r"左转|右转|左拐|右拐|往前走|往里走|直走|走到头|拐弯|斜对面|过马路|穿过|"
                               r"(?:从|由)[^，。？！]{0,4}门(?:出去|进去|出|进)|"
                               r"(?:往|朝|向)[^，。？！]{1,8}?(?:走|拐|转)|(?:往|朝|向)(?:左|右|东|西|南|北)|"
                               r"第[一二三四五六七八九十0-9]+个?(?:路口|红绿灯|十字路口|岔口)|"
                               r"出了?(?:这个)?门(?!注意|小心|慢|随便|问|打听|找找|看看|转转)|(?:下|上)楼(?:就|到|去|右|左)|"
                               r"(?:沿着?|顺着)(?:这条|这个|那条)?[^，。？！]{1,6}?(?:往|走|一直|到头)|"
                               r"正对着?|(?:电梯|楼梯|扶梯|大门|通道)口?(?:出来|出去|上去|下去)|出了?(?:电梯|楼梯|扶梯|大门)|"
                               r"(?:地铁|公交|轻轨)[^，。？！]{0,6}?(?:就到|能到|可以到|直达|下车)")
        self.phone = re.compile(r"[零〇一二三四五六七八九幺0-9]{5,}|"
                                r"(?:打|拨打?)[零〇一二三四五六七八九幺0-9]{3,4}")  # 打110
        # a call to someone named (您跟派出所打个电话; not 给他们打个电话)
        self.call = re.compile(r"(?:给|跟|向|和)(?P<to>[^，。？！不没]{2,10}?)(?:去|打|拨|挂)(?:个|一个|一|一通)?"
                               r"(?:电话|热线)")
        free = r"(?:(?!不(?!动产)|没|别)[^，。？！])"  # no refusal between (不动产 is a name)
        self.handover = re.compile(
            rf"(?:我|我们|咱|咱们)(?:这就|马上|现在|立刻|这边|先|来|去|直接|帮忙|这)?"
            rf"(?:{c['for_you']}{free}{{0,16}}?{c['act']}|{free}{{0,6}}?{c['transfer']})|"
            rf"(?:让|叫(?!到?号|到您|到你)|请|喊){free}{{1,20}}?(?:过来|来接|来一趟|下来|上来|"
            rf"联系您|联系你|给您打|给你打|回复您|回复你|答复您|答复你|通知您|通知你|回您|回你|回电|派人|接您|接你|"
            rf"来(?:看|处理|帮|跟|给|办|弄))|"
            rf"(?:跟|随)我(?:来|走|过去)|"
            rf"(?:我|咱)(?:这就|马上|现在|先)?把(?:您|你)的?[^，。？！]{{0,6}}?(?:号码|号|电话|手机|联系方式|材料|情况)"
            rf"[^，。？！]{{0,2}}(?:给|交给|转给|报给|发给)")                        # 我把您手机号给水政监察
        self.refused = re.compile(rf"(?:我|我们|咱)[^，。]{{0,3}}(?:{N}(?!动产)|帮不|管不)|"
                                  rf"(?:{c['transfer']}|{c['act']})不(?!动产)(?:{c['able']})|"  # 对接不了
                                  rf"(?:不是|不归|不由)[^，。]{{0,2}}(?:我|咱)")

    def standard(self, text: str) -> str:
        """The line with its regional forms read as the standard word (冇得 = 没得), dashes
        drawing a word out dropped and a no of a no read as a must."""
        text = _WU_OF.sub("的", _DRAWN.sub("", text))
        for form, word in self.regional:
            text = form.sub(word, text)
        return _MUST.sub("必须", text)

    def unnamed(self, said: str) -> bool:
        """Whether a place is said as some other or the one concerned (别的, 相关, 主管), and no
        office named after it (主管税务分局 names one)."""
        said = self.outside.sub("", said)
        last = None
        for last in self.nowhere.finditer(said):
            pass
        return last is not None and not self.agency.search(said, last.end())

    def named(self, clause: str, at: int, way: bool) -> bool:
        """Whether the head found at `at` is a place named by a name of its own: something
        said before it that is no "other", "the one concerned" or the counter itself
        (别的部门, 相关单位, 我们窗口), where it is from here (旁边这个窗口), a head that
        names itself (社保, 门诊), or a number (三号窗口). With `way`, what is said before
        runs from the nearest way there (去, 在, 归); a channel needs a name (打个电话 none)."""
        head = self.head.match(clause, at).group(0)
        if clause[max(0, at - len(head)):at] == head:  # the second of 站站
            return False
        # what a colon or 把 sets before the name is no part of it (我跟您说地方：…; 我把…的位置发您)
        before = re.split("[：:]|把", clause[max(0, at - 14):at])[-1]
        if self.beside.search(before[-6:]):
            return True
        if way:
            ways = list(self.way.finditer(before))
            if not ways:
                return False
            before = before[ways[-1].start():]
            mod = before[ways[-1].end() - ways[-1].start():]
            if re.match("不|没", mod):  # a way not found (找不着门路): no place
                return False
        else:
            mod = before
        if self.numbered.search(before + head):
            return True
        if (self.unnamed(before + head) or self.self_.search(mod + head)
                or not way and re.search("不(?!动产)|没|别", mod)):
            return False
        mod = re.sub(r"[的个]", "", self.filler.sub("", mod))
        if self.channel.fullmatch(head):
            return bool(mod)
        return bool(mod) or len(head) > 1 and not self.generic.fullmatch(head)


def read(text: str, path: Path | None = None) -> Intent:
    """What a line does (see the module's docstring)."""
    return Intent(**{name: said(text, name, path) for name in INTENTS})


def said(text: str, name: str, path: Path | None = None) -> str:
    """The clause of a line read as doing `name` (one of INTENTS), empty if none: only what
    a rule asks is read, most lines being asked only whether they deflect."""
    return _said(text or "", name, str(path or words_path()))


@lru_cache(maxsize=32768)
def _said(text: str, name: str, path: str) -> str:
    p = _patterns(path)
    read = p.standard(text)
    said, clauses = _joined(CLAUSE.findall(_DRAWN.sub("", text)), CLAUSE.findall(read), p)
    if name in ("deflection", "wait"):
        at = _deflection(p, read, clauses)
        if name == "deflection":
            return "" if at is None else text if at < 0 else said[at]
        return "" if at is not None else next(
            (said[n] for n, c in enumerate(clauses) if _kept(p, c)), "")
    handover = next((said[n] for n, c in enumerate(clauses)
                     if p.handover.search(c) and not p.refused.search(c)
                     and not p.asked_before.match(c)), "")
    if name == "handover":
        return handover
    return handover or next((said[n] for n, c in enumerate(clauses) if _directs(p, c, text) or (
        n + 1 < len(clauses) and p.going.search(c) and _directs(p, c + clauses[n + 1], text))), "")


@dataclass(frozen=True)
class _Line:
    """What the whole line says that changes how one clause of it reads: `ours`, it names
    the counter (我们这是咨询台，不能受理业务: said of it); `delayed`, it says when or what
    broke (今天, 系统坏了), so what cannot be done now is a wait, while what is not the
    counter's (不归我们管) stays a deflection; `asks`, it asks the citizen something, so a
    record not found is a lookup going on; `kept`, staff keep the matter in it (a wait
    asked, 我去拿), so what is not here (章不在我这) is fetched, not sent away."""

    ours: bool
    delayed: bool
    asks: bool
    kept: bool


def _joined(said: list[str], clauses: list[str], p: _Patterns) -> tuple[list[str], list[str]]:
    """The clauses, one that is only the counter or the matter joined to the next: a halting
    line (这个，我们这里，没有) says one thing."""
    said_out, read_out = [], []
    for n, clause in enumerate(clauses):
        if said_out and p.bare.match(read_out[-1]):
            said_out[-1], read_out[-1] = f"{said_out[-1]}，{said[n]}", read_out[-1] + clause
        else:
            said_out.append(said[n])
            read_out.append(clause)
    return said_out, read_out


def _kept(p: _Patterns, clause: str) -> bool:
    """Whether staff keep the matter in the clause: a wait asked, or doing it themselves."""
    return bool(p.wait.search(clause) or p.doing.search(clause))


def _deflection(p: _Patterns, text: str, clauses: list[str]) -> int | None:
    """The index of the clause read as deflecting, -1 for the whole line (只办社保，别的不办),
    None if none. A clause the line goes on from with a wait or staff doing the matter
    (…办不了，您稍等，我再查查) cannot-do nothing for good: it is a wait."""
    lacking = p.lack.search(re.sub(f"{_UNLISTED}|{_POWERS}|{_CHECKED}", "", text))
    denied = next((n for n, c in enumerate(clauses) if p.denied.search(c)), None)
    if denied is not None and not lacking:
        return denied
    apart = _apart(p, clauses)
    said_wrong = _SAID_WRONG.search(text)
    if not (apart or _REFUSING.search(text)) or lacking or _GAINSAID.search(text) or (
            said_wrong and re.search("[不没]", text[:said_wrong.start()])):
        return None
    kept = [_kept(p, c) for c in clauses]
    short = [_short(c) for c in clauses]
    line = _Line(ours=bool(p.self_.search(_YOURS.sub("您", text))),
                 delayed=bool(p.now.search(text) or p.fault.search(text)),
                 asks=bool(re.search(r"[？?]|吗", text)), kept=any(kept))
    return next((n for n, c in enumerate(clauses)
                 if _deflects(p, c, line, any(kept[n + 1:]), any(short[max(n - 1, 0):n + 1]))),
                -1 if apart or p.only.search(text) else None)


def _short(clause: str) -> bool:
    """Whether the clause says the citizen's materials are short, a thing named (没带户口本)
    or none (这些不够); what lacks only a word of no known thing (我们没这个口子, 没招儿) is
    the counter's."""
    lack = materials.read(clause)
    return bool(lack.things) or lack.unnamed


def _apart(p: _Patterns, clauses: list[str]) -> bool:
    """Whether the counter is said to be of one kind and the matter of another, or not to
    fit, one clause after the other (我们是管缴费的，这个是审批的事): what each is said to be
    shares no word, and a counter said to be something (是…的, …窗口) meets a matter said to
    belong to a line of work (…的事, 属于…), not a month or a number (…，您这是上个月的)."""
    for first, then in zip(clauses, clauses[1:]):
        for ours, theirs in ((p.ours.match(first), p.theirs.match(then)),
                             (p.ours.match(then), p.theirs.match(first))):
            if ours and theirs and _kinds_apart(p, ours, theirs):
                return True
        if p.ours.match(first) and p.unfit.match(then):
            return True
    return False


def _kinds_apart(p: _Patterns, ours: re.Match, theirs: re.Match) -> bool:
    """Whether both are said as kinds (see _apart), not asked, and share no word."""
    said = ours["only"] or ours["of"] and (theirs["verb"] == "属于"
                                           or p.domain.search(theirs["kind"]))
    return bool(said) and not _QUESTION.search(theirs[0]) and not (
        _words(ours["kind"]) & _words(theirs["kind"]))


def _words(kind: str) -> set[str]:
    """The two-character words of what a kind is said to be, its pointers and 的 left out."""
    kind = re.sub(r"[这那个条块边种类一线的事儿业务]", "", kind)
    return {kind[n:n + 2] for n in range(len(kind) - 1)}


def _deflects(p: _Patterns, clause: str, line: _Line, goes_on: bool, lacked: bool) -> bool:
    """`goes_on`: a later clause keeps the matter (a wait, staff doing it); `lacked`: the
    clause or the one before says a material is missing (这些不够，办不了), so what cannot be
    done is for the citizen's lack, while what is not ours (不归我们管) stays a deflection."""
    clause = _YOURS.sub("您", _NO_MATTER.sub("", clause))
    if _REPORTED.search(clause):
        return False
    asked = bool(_QUESTION.search(clause))
    if p.wrong.search(clause):
        return not asked or clause.startswith("谁") and not re.search("说|讲|告诉", clause)
    if asked:
        return False
    if (p.placed.search(clause) and not p.progress.search(clause) or p.unoffered.search(clause)
            or not line.asks and p.own_area.search(clause)):
        return True
    said_of_us = p.self_.search(clause) or line.ours and not _OTHER_SUBJECT.match(clause)
    now = not line.delayed and not goes_on and not lacked
    cannot = now and (p.cannot.search(clause) or not line.asks and p.unreached.search(clause))
    if said_of_us and (p.not_ours.search(clause) or cannot
                       or not line.kept and p.located.search(clause)):
        return True
    return bool((p.matter.search(clause) or p.unsaid.match(clause))
                and (p.matter_not_ours.search(clause) or (now and p.matter_cannot.search(clause))))


def _directs(p: _Patterns, clause: str, line: str) -> bool:
    """A place, channel, number or walk for the citizen; not where they wait (您在旁边等一等)
    nor where staff go themselves for the matter (我到档案室调一下); after a colon, the
    place told (我给您写个条：门诊部办公室)."""
    told = re.split("[：:]", clause, maxsplit=1)
    if len(told) > 1 and told[1] and _directs(p, told[1], line):
        return True
    if p.doing.match(clause) or p.asked_before.match(clause) or (
            p.waits_here.search(clause) and not re.search("去|到|往|奔|找", clause)):
        return False
    call = p.call.search(clause)
    if (p.phone.search(clause) or p.walk.search(clause) or p.numbered.search(clause)
            or p.online.search(clause) or p.belongs_to.search(clause) or call and any(
                p.named(call["to"], head.start(), way=False)
                for head in p.head.finditer(call["to"]))):
        return True
    answer = p.answer.search(clause)
    for head in p.head.finditer(clause):
        if p.named(clause, head.start(), way=True) or answer and answer.end() <= head.start() and (
                p.named(clause, head.start(), way=False)):
            return True
        whose = p.whose.match(clause, head.end()) and p.belongs.search(clause, 0, head.start())
        if p.named(clause, head.start(), way=False) and (
                p.there.match(clause, head.end()) or whose or p.pointed.search(line)):
            return True
    return False
