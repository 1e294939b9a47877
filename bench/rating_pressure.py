"""Rating pressure (诱导好评) on typed text (issue 22 floor: recall ≥ 0.95 over ≥ 40
phrasings, 0 false on ordinary speech and on neutral rating prompts).

The phrasings below are written for this bench, apart from the lexicon
(lexicons/rating_pressure.toml): whole sentences a staff member might say, with fillers,
names, particles and reasons around the ask. Each is judged as one staff line of a visit by
the general profile's `Scorer` (rule rating_pressure); so is every line of the ordinary-
speech corpora (bench/corpus.py, bench/everyday.py) and every neutral invitation to rate.

Run: .venv/bin/python bench/rating_pressure.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import everyday  # noqa: E402

from monitor.pipeline import Scorer  # noqa: E402
from monitor.records import Utterance  # noqa: E402

PRESSURE = [
    "麻烦您一会儿在评价器上给个好评",
    "办好了，您帮我点一下非常满意吧",
    "您看能不能给我打个五星",
    "记得给好评哦",
    "评价的时候按非常满意就行",
    "求您给个好评，这个月考核呢",
    "阿姨您点那个非常满意的按钮就好",
    "帮帮忙点个满意",
    "待会儿屏幕上选非常满意啊",
    "您千万别给差评啊",
    "别点不满意，我会被扣钱的",
    "给个五星好评呗",
    "您满意的话就点非常满意",
    "辛苦您评个非常满意",
    "好评，好评，记得好评",
    "那个评价您就直接按最左边的非常满意",
    "麻烦给我一个好评",
    "您就选非常满意吧，谢谢",
    "小伙子给个好评呗",
    "拜托打五星啊",
    "我们这边都是要好评的，您点一下",
    "投个非常满意呗",
    "评价器上帮我按个满意",
    "不要给差评哈",
    "可别点不满意啊",
    "您给我点个赞，选非常满意",
    "点非常满意，谢谢您配合",
    "能给个满分吗",
    "帮忙点个五星",
    "一会儿给我个好评好不好",
    "您就按满意那个键",
    "给个好评吧，大姐",
    "您评价一下，非常满意哈",
    "别给我差评啊，我这个月就指望它了",
    "您帮个忙，按一下非常满意",
    "请给我打个好评",
    "五星好评走一个",
    "点一下满意就好了",
    "麻烦您选一下非常满意，谢谢",
    "一定要好评啊",
    "您看着给个非常满意吧",
    "刷一下好评",
    "给个满意呗",
    "我们考核看评价，您给个非常满意",
    "最后那个评价，点非常满意就行了",
    "大爷，屏幕上那个笑脸就是非常满意，您按它",
    "给我们窗口一个好评呗",
    "您可不能点差评呀",
]

NEUTRAL = [
    "请您对我的服务作出评价",
    "请您对我的服务进行评价",
    "请对本次服务进行评价",
    "麻烦您在评价器上对我的服务评价一下",
    "您可以在屏幕上给我的服务打个分",
    "请您评价一下，谢谢",
    "您对这次办理满意吗",
    "请根据您的真实感受进行评价",
    "满意不满意都可以如实评价",
    "评价器上有非常满意、满意、基本满意、不满意、非常不满意五个选项，您按实际情况选",
    "好评差评都请如实评价",
    "您的评价对我们很重要",
    "谢谢您的好评",
    "请您按照真实感受评价",
    "有什么意见也可以在评价器上提",
    "您也可以扫码在手机上评价",
    "请您对今天的办理过程提出宝贵意见",
    "评价是自愿的，您看着评就行",
]


def ordinary() -> list[str]:
    """Every line of the ordinary-speech corpora, judged as if staff said it."""
    lines = list(everyday.sentences())
    for value in vars(corpus).values():
        groups = value.values() if isinstance(value, dict) else [value]
        for group in groups:
            if isinstance(group, list):
                lines += [line for line in group if isinstance(line, str)]
    return list(dict.fromkeys(lines))


def pressured(scorer: Scorer, line: str) -> bool:
    """Does the rule find rating pressure in `line` said by staff?"""
    session = scorer.score([Utterance(0.0, 3.0, "staff", line)])
    return any(f.rule == "rating_pressure" for v in session.visits for f in v.findings)


def main() -> None:
    scorer = Scorer.load("general")
    missed = [line for line in PRESSURE if not pressured(scorer, line)]
    false_neutral = [line for line in NEUTRAL if pressured(scorer, line)]
    lines = ordinary()
    false_ordinary = [line for line in lines if pressured(scorer, line)]
    recall = 1 - len(missed) / len(PRESSURE)
    print("| set | lines | found | rate | floor |")
    print("|---|---|---|---|---|")
    print(f"| pressure phrasings | {len(PRESSURE)} | {len(PRESSURE) - len(missed)} | "
          f"recall {recall:.3f} | ≥ 0.95: {'yes' if recall >= 0.95 else 'NO'} |")
    print(f"| neutral rating prompts | {len(NEUTRAL)} | {len(false_neutral)} | false | "
          f"0: {'yes' if not false_neutral else 'NO'} |")
    print(f"| ordinary speech (corpus, everyday) | {len(lines)} | {len(false_ordinary)} | "
          f"false | 0: {'yes' if not false_ordinary else 'NO'} |")
    for title, found in (("missed", missed), ("false (neutral)", false_neutral),
                         ("false (ordinary)", false_ordinary)):
        for line in found:
            print(f"{title}: {line}")


if __name__ == "__main__":
    main()
