"""Ordinary Mandarin that is not counter talk, for the false-alarm benchmark (issue 9).

News, stories, chat, recipes, sport, weather, school, family, travel, work and health:
what a counter microphone also hears (a colleague, a radio, people passing). No line
holds a lexicon phrase by exact search (exceptions honoured, `check()` proves it), but
many hold ordinary words that sound like taboo phrases, as real speech does: 不可能 in a
forecast, 没办法 in a story, 布置到 (bù zhì dào: 不知道 without tones), 下班, 在等着.
"""
from __future__ import annotations

import csv
import hashlib
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from render import CACHE, RATE, RENDER_VERSION, Placed, mix_mono, random_voice, speech
from render import write_wav

from monitor import sources
from monitor.audio import score_file
from monitor.lexicon import CUE_KINDS
from monitor.pipeline import Scorer
from monitor.records import Utterance

NOISE = (None, 25.0, 12.0)  # clean, quiet hall, loud hall: one clip in three each

EVERYDAY = {
    "news": [
        "今年全省的粮食产量比去年增加了百分之三",
        "新建的地铁线路预计明年年底通车",
        "市里计划在河边修建一条十公里长的绿道",
        "这次展览一共展出了两百多件出土文物",
        "国际油价连续下跌了一个星期",
        "春运期间铁路部门加开了三百多趟列车",
        "新发布的手机在网上卖得非常火",
        "城东的老旧小区改造工程已经全面开工",
        "今年的高考报名人数创下了新高",
        "科学家在深海发现了一种新的鱼类",
        "这座大桥建成以后两岸的交通会方便很多",
        "博物馆从下个月开始延长开放时间",
        "国产大飞机又完成了一次试飞",
        "本市的空气质量比前年明显好转",
        "一场大火烧毁了山上的几百亩树林",
        "专家说这种病毒短期内大规模传播几乎不可能",
        "新能源汽车的销量今年增长了一倍",
        "政府出台了鼓励年轻人返乡创业的政策",
        "图书馆新增了两万册儿童读物",
        "据报道这家工厂的污水处理没办法达标",
        "今年夏天全国多地出现了持续高温",
        "市中心的步行街经过改造重新开放了",
        "航天员已经在空间站工作了三个月",
        "农民们用上了无人机给庄稼喷药",
        "这部纪录片讲述了长江沿岸的变化",
        "跨海隧道的施工进入了最后阶段",
        "外卖骑手的权益保障受到越来越多的关注",
        "考古队在古城遗址下面又挖出了一口井",
        "多家银行下调了存款利率",
        "这个小镇靠种茶叶走上了致富路",
    ],
    "stories": [
        "从前有一座山山上有一座庙",
        "小兔子一蹦一跳地回到了家",
        "老爷爷在门前种了一棵大枣树",
        "狐狸看见树上的乌鸦嘴里叼着一块肉",
        "那天晚上月亮特别圆特别亮",
        "小男孩捡到一只受伤的小鸟",
        "他把小鸟带回家细心地照顾了好多天",
        "村子里的人都说那口井里住着一条龙",
        "国王有三个女儿最小的那个最聪明",
        "猎人在森林里迷了路天也渐渐黑了",
        "乌龟慢慢地爬最后还是赢得了比赛",
        "大雪下了三天三夜把整座山都盖住了",
        "船在海上漂了很久终于看到了陆地",
        "老奶奶讲的故事孩子们百听不厌",
        "小猫钓鱼的时候总是三心二意",
        "河水太急小马过不去实在没办法",
        "后来他才明白母亲当年的苦心",
        "那只小狗每天都在村口等主人回来",
        "他们在山洞里发现了一张发黄的地图",
        "公主和王子最后幸福地生活在一起",
        "老木匠做的椅子结实又好看",
        "风把蒲公英的种子吹到了很远的地方",
        "年轻的书生进京赶考走了整整一个月",
        "石头缝里长出了一株小草",
        "大家都以为他回不来了可他偏偏回来了",
        "夜里下起了雨屋檐下滴答滴答地响",
        "三个和尚没水喝的故事大家都听过",
        "他推开门发现屋里一个人也没有",
        "那年冬天特别冷河面上结了厚厚的冰",
        "小姑娘把最后一块饼分给了路边的老人",
    ],
    "chat": [
        "我昨天晚上看了一部电影挺有意思的",
        "周末我们一起去爬山吧",
        "他最近换了一份新工作忙得不得了",
        "这家店的奶茶排了好长的队才买到",
        "我觉得这件衣服的颜色有点太亮了",
        "你上次推荐的那本书我已经看完了",
        "楼下新开了一家面馆味道还不错",
        "我打算明年去南方旅游",
        "他说话总是慢吞吞的一点也不着急",
        "这个周末可能要加班出去玩不可能了",
        "我妹妹下个月就要结婚了",
        "昨天的比赛我看到一半就睡着了",
        "我的手机屏幕不小心摔碎了",
        "这首歌我听了一遍就喜欢上了",
        "他们两个从小学起就是好朋友",
        "最近睡眠不太好总是半夜醒来",
        "你穿这双鞋走路舒服一些",
        "我刚才在路上碰见了老同学",
        "我们公司楼下的咖啡越来越贵了",
        "今天真是忙了一整天腿都酸了",
        "他做事特别认真从来不马虎",
        "我们约好了下周三一起吃火锅",
        "他家的猫又胖了不少",
        "这个电视剧的结局让人意想不到",
        "我已经好久没有回老家了",
        "朋友送了我一盆绿萝放在窗台上",
        "下班以后我一般先去超市转一圈",
        "他唱歌跑调大家都笑得前仰后合",
        "这条裙子打完折才一百出头",
        "我们楼的电梯又坏了只好爬楼梯",
    ],
    "recipes": [
        "先把土豆切成细丝用清水泡一泡",
        "锅里倒油烧到七成热再放葱姜",
        "鸡蛋打散以后加一点盐",
        "西红柿炒鸡蛋要先炒鸡蛋再炒西红柿",
        "红烧肉要用小火慢慢炖一个小时",
        "饺子馅里加一点香油会更香",
        "米饭煮好以后再焖十分钟",
        "面粉里加温水揉成光滑的面团",
        "排骨先焯一下水去掉血沫",
        "青菜下锅以后要大火快炒",
        "最后撒上一把葱花就可以出锅了",
        "鱼身上划几刀更容易入味",
        "包子蒸十五分钟关火再闷三分钟",
        "糖醋汁用醋白糖和番茄酱调成",
        "冬天喝一碗热乎乎的羊肉汤最舒服",
        "豆腐切块以后用盐水泡一会儿不容易碎",
        "炖鸡汤的时候放几颗红枣",
        "凉拌黄瓜要用刀拍碎再切段",
        "炸丸子的油温不能太高",
        "煮面条的水要多一些",
        "腌肉的时候加一勺料酒和一点淀粉",
        "蒸蛋羹要用温水蛋液才会嫩",
        "做蛋糕的时候烤箱要提前预热",
        "酸辣土豆丝讲究的就是脆",
        "包馄饨的皮要擀得薄一点",
        "蘑菇洗干净以后撕成小块",
        "这道菜少放盐吃的就是原味",
        "炒花生米要冷锅冷油下锅",
        "绿豆汤熬到开花就可以关火了",
        "老火靓汤一般要煲三个小时以上",
    ],
    "sport": [
        "主队在最后一分钟打进了制胜球",
        "这位运动员打破了保持十年的纪录",
        "中国女排三比一战胜了对手",
        "马拉松比赛吸引了三万名跑者参加",
        "他每天早上都要跑五公里",
        "篮球比赛进入了加时赛",
        "游泳是一项对关节很友好的运动",
        "乒乓球决赛打得非常激烈",
        "守门员扑出了对方的点球",
        "这个赛季他一共打进了二十个球",
        "羽毛球要靠手腕发力",
        "教练布置到每个队员的任务都很明确",
        "开场不到十分钟客队就丢了一个球",
        "他在单杠上完成了一个高难度动作",
        "运动员入场的时候全场观众起立鼓掌",
        "这支球队已经连续赢了八场",
        "下雨天只能在健身房里锻炼",
        "她在比赛中扭伤了脚踝",
        "跳水比赛的裁判给出了满分",
        "想要连续夺冠几乎不可能",
        "滑雪的时候一定要戴好头盔",
        "他的发球速度超过了两百公里每小时",
        "比赛还剩最后五秒比分依然是平局",
        "太极拳的动作要慢要连贯",
        "这次运动会我们班得了团体第一",
        "足球场上的草坪刚刚换过",
        "他打网球已经打了二十年",
        "每周游两次泳身体明显好多了",
        "赛后球员们互相握手致意",
        "自行车比赛的路线经过好几座山",
    ],
    "weather": [
        "明天白天多云转阴有小雨",
        "今天最高气温三十五度",
        "一股冷空气将在周末到达本市",
        "今晚到明天有大到暴雨",
        "北方部分地区出现了沙尘天气",
        "早晚温差比较大要注意添衣",
        "台风预计在后天凌晨登陆",
        "连续下了一个星期的雨终于放晴了",
        "今年的第一场雪比往年来得早",
        "山区可能会出现大雾",
        "未来三天以晴朗天气为主",
        "天气预报说周末的雨水不多",
        "高速公路因为结冰暂时封闭了",
        "下午可能有雷阵雨出门记得带伞",
        "这个冬天比往年暖和一些",
        "江南已经进入了梅雨季节",
        "夜里的风力会增大到五到六级",
        "空气湿度太大衣服晒不干",
        "秋高气爽正是出游的好时候",
        "气象台发布了高温橙色预警",
        "这种天气明天就放晴是不可能了",
        "草原上的天说变就变",
        "春天的风吹在脸上暖洋洋的",
        "沿海地区有七级左右的大风",
        "今天的紫外线很强要注意防晒",
    ],
    "school": [
        "老师布置到明天要交三篇作文",
        "数学考试我只错了一道题",
        "下学期我们要学物理和化学",
        "图书馆的自习室每天都坐满了人",
        "他是我们班跑得最快的同学",
        "期末考试安排在下个月中旬",
        "这道题的解法老师讲了两遍",
        "学校组织我们去参观科技馆",
        "她的英语口语说得特别流利",
        "上课铃响了同学们都回到了教室",
        "新来的语文老师讲课很生动",
        "我们小组负责出这期的黑板报",
        "放学以后他常常留下来打篮球",
        "这次实验的数据记录得很仔细",
        "校园里的桂花开了到处都是香味",
        "他从小就喜欢画画",
        "毕业典礼上大家都哭了",
        "我每天晚上都要背二十个单词",
        "这本字典是爷爷送给我的",
        "老师说这次作业没办法按时交的要说明原因",
        "体育课上我们练习了跳远",
        "食堂今天中午有红烧排骨",
        "这学期我选了一门摄影课",
        "历史课上老师讲了丝绸之路",
        "她的作文被选进了学校的优秀作文集",
        "周末学校的操场对外开放",
        "同学们排着整齐的队伍走进礼堂",
        "如果不知道答案可以先跳过这道题",
        "我们班的合唱得了年级第二名",
        "开学第一天每个人都做了自我介绍",
    ],
    "family": [
        "奶奶今年八十岁了身体还很硬朗",
        "爸爸每天早上六点就起床做早饭",
        "妈妈在阳台上种了很多花",
        "弟弟刚学会走路到处乱跑",
        "过年的时候全家人都回到了老家",
        "爷爷喜欢在公园里下象棋",
        "姐姐在外地读大学一年只回来两次",
        "我们家的小狗已经养了五年了",
        "周末全家一起去郊外野餐",
        "外婆包的粽子是我吃过最好吃的",
        "叔叔开车送我们去了火车站",
        "妈妈说今晚要做我最爱吃的鱼",
        "孩子上幼儿园以后懂事多了",
        "家里的老房子已经住了三十年",
        "表哥下个月要从国外回来",
        "我小时候最喜欢听爷爷讲故事",
        "他们家三代人住在一个院子里",
        "爸爸的生日我们准备给他一个惊喜",
        "女儿第一次自己骑自行车去上学",
        "妈妈把旧毛衣拆了给我织了一条围巾",
        "奶奶说她年轻的时候一天要走二十里路",
        "哥哥和嫂子上个月搬进了新房子",
        "一家人围在一起包饺子看春晚",
        "儿子这次考试进步了很多",
        "外公的眼睛不太好看报纸要戴老花镜",
        "姑姑每年都会寄家乡的特产过来",
        "爸爸说钓鱼最需要的就是耐心",
        "我们家的饭桌上总是热热闹闹的",
        "孩子感冒了一晚上没睡好",
        "妈妈退休以后迷上了跳广场舞",
    ],
    "travel": [
        "我们坐高铁四个小时就到了北京",
        "这座古镇的石板路已经有几百年历史了",
        "山顶的日出美得让人说不出话",
        "海边的小城安静又干净",
        "飞机晚点了两个小时",
        "导游带我们参观了当地的博物馆",
        "这里的烤鸭一定要尝一尝",
        "酒店的房间可以看到整片湖",
        "长城上的游客比想象中多得多",
        "夜市上的小吃摊一个挨着一个",
        "我们在草原上骑了一下午的马",
        "火车穿过了一条很长的隧道",
        "这次旅行一共拍了几百张照片",
        "寺庙里的钟声在山谷里回荡",
        "我们租了一辆车沿着海岸线开",
        "古城墙上可以骑自行车",
        "景区的门票现在可以在网上预约",
        "那片竹林在雨后格外清新",
        "一个人出门旅行要注意安全",
        "这条徒步路线大概要走六个小时",
    ],
    "work": [
        "下午两点开部门会议",
        "这个项目的进度比计划慢了一周",
        "新系统上线以后工作效率提高了不少",
        "他在这家公司已经干了十年",
        "报告的初稿明天上午要发给经理",
        "我们团队下个月要招两个新人",
        "电脑突然死机文件差点没保存",
        "出差的行程已经安排好了",
        "这次的方案客户很满意",
        "年底的时候大家都特别忙",
        "公司的食堂最近换了新厨师",
        "他把会议记录整理成了表格",
        "新来的实习生学东西很快",
        "这个季度的销售额完成了目标",
        "打印机又没墨了只能去楼上打印",
        "周五下午公司组织大家去团建",
        "服务器今晚十点要停机维护",
        "这份合同还要法务部门审核",
        "他每天通勤要花一个半小时",
        "加班的时候大家一起点了外卖",
    ],
    "health": [
        "每天喝八杯水对身体有好处",
        "饭后散步半小时有助于消化",
        "长时间看手机对眼睛不好",
        "感冒的时候要多休息多喝热水",
        "医生说他的血压有点偏高",
        "少吃油炸食品多吃蔬菜水果",
        "睡前泡泡脚能睡得更香",
        "坚持锻炼的人精神状态都比较好",
        "他戒烟已经整整一年了",
        "久坐以后要起来活动活动",
        "冬天手脚冰凉可能是血液循环不好",
        "这种药一天吃三次饭后服用",
        "体检报告显示一切正常",
        "牙齿要每天早晚各刷一次",
        "运动前一定要先热身",
    ],
    "misc": [
        "超市里的苹果今天特价",
        "公交车每十分钟来一趟",
        "楼上的邻居正在装修声音很大",
        "快递说今天下午能送到",
        "这条街晚上的灯光特别漂亮",
        "地铁里人挤人连站的地方都没有",
        "小区门口新开了一家花店",
        "他的车停在了地下车库",
        "这个月的电费比上个月多了一些",
        "商场的三楼全是卖童装的",
        "路边的梧桐树叶子都黄了",
        "公园里有很多老人在晨练",
        "这台洗衣机用了十多年还没坏",
        "雨太大了路上的车开得都很慢",
        "菜市场的鱼都是早上刚运来的",
        "那家书店已经开了二十多年",
        "墙上挂着一幅山水画",
        "桥下的河水清得能看见鱼",
        "邻居家的小孩在院子里放风筝",
        "路口的红绿灯坏了交警在指挥交通",
        "大家都在等着开饭",
        "这个按钮按下去灯就亮了",
        "手机没电了实在没办法联系上他",
        "他把自行车锁在了楼下",
        "窗外的鸟一大早就开始叫",
        "这片树林里到处都是蘑菇",
        "晚饭后他习惯看一会儿新闻",
        "她把房间收拾得干干净净",
        "周末的电影院人特别多",
        "这家餐厅的招牌菜是烤鱼",
    ],
}


def sentences() -> list[str]:
    """Every line once, in a fixed order."""
    seen: dict[str, None] = {}
    for lines in EVERYDAY.values():
        for line in lines:
            seen.setdefault(line, None)
    return list(seen)


def check(lexicon) -> list[tuple[str, list[str]]]:
    """Lines that hold a lexicon phrase by exact search (exceptions honoured): should be none."""
    from conversations import ExactSearch

    search = ExactSearch(lexicon, tuple(sorted({p.kind for p in lexicon.phrases})))
    return [(line, [f"{p.kind}:{p.text}" for p in found]) for line in sentences()
            if (found := search.find(line))]


@dataclass
class EverydayOptions:
    """How much everyday speech is rendered, and how."""

    minutes: float = 30.0  # rendered audio at least this long (real recordings come on top)
    per_clip: int = 10  # sentences per clip, one speaker each
    seed: int = 5
    voices: str = "natural"  # render.VOICE_KINDS


@dataclass
class Clip:
    """One stretch of ordinary speech and what it really says."""

    name: str
    path: Path
    seconds: float
    lines: list[Utterance]
    voice: str = ""
    snr_db: float | None = None


def render_clips(options: EverydayOptions, log=print) -> Iterator[Clip]:
    """Monologues of `per_clip` sentences in one voice, pauses of 0.4-2 s (now and then
    longer), each sentence again in other voices until `minutes` are reached. Each clip is
    given as soon as it is rendered, so a run cut short on a loaded machine (natural
    renders are slow there) has judged what it rendered."""
    rng = random.Random(options.seed)
    lines = sentences()
    clips, total, rendered = [], 0.0, 0
    while total < options.minutes * 60:
        order = rng.sample(lines, len(lines))
        for at in range(0, len(order), options.per_clip):
            voice = random_voice(rng, kind=options.voices)
            snr = NOISE[len(clips) % len(NOISE)]
            placed, utterances, clock = [], [], rng.uniform(0.5, 1.5)
            for text in order[at:at + options.per_clip]:
                samples = speech(text, voice)
                placed.append(Placed("staff", clock, samples))
                end = clock + len(samples) / RATE
                utterances.append(Utterance(start=round(clock, 3), end=round(end, 3),
                                            role="staff", text=text + "。"))
                clock = end + (rng.uniform(3, 6) if rng.random() < 0.15 else rng.uniform(0.4, 2))
            seed = options.seed * 1000 + len(clips)
            key = hashlib.sha256(repr((RENDER_VERSION, seed, snr, voice, [
                (u.start, u.text) for u in utterances])).encode()).hexdigest()[:20]
            path = CACHE / "everyday" / f"clip{len(clips) + 1:03d}-{key}.wav"
            if not path.exists():
                write_wav(path, mix_mono(placed, snr, seed))
                rendered += 1
            seconds = sources.file_duration(path)
            clips.append(Clip(path.stem.split("-")[0], path, seconds, utterances,
                              voice.label(), snr))
            yield clips[-1]
            total += seconds
            if total >= options.minutes * 60:
                break
    log(f"  {len(clips)} clips, {total / 60:.1f} min ({rendered} rendered, "
        f"{len(clips) - rendered} cached)")


def real_clips(folder: Path) -> list[Clip]:
    """The real recordings with their reference text, as one line each."""
    rows = csv.reader((folder / "transcripts.tsv").open(encoding="utf-8"), delimiter="\t")
    clips = []
    for row in rows:
        if not row or row[0].startswith("#"):
            continue
        path = folder / row[0]
        seconds = sources.file_duration(path)
        clips.append(Clip(path.stem, path, seconds, [Utterance(
            start=0.0, end=round(seconds, 3), role="staff", text=row[1])], "real"))
    return clips


@dataclass
class Alarms:
    """Phrase hits heard in ordinary speech that its text does not hold."""

    seconds: float = 0.0
    clips: int = 0
    false_by_kind: Counter = field(default_factory=Counter)
    held: int = 0  # hits the reference text holds too
    taboo: list = field(default_factory=list)  # (clip, phrase, heard, start)
    cpu_s: float = 0.0

    def add(self, other: "Alarms") -> None:
        self.seconds += other.seconds
        self.clips += other.clips
        self.false_by_kind.update(other.false_by_kind)
        self.held += other.held
        self.taboo += other.taboo
        self.cpu_s += other.cpu_s

    def per_hour(self, count: int) -> float:
        return count / (self.seconds / 3600) if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"seconds": round(self.seconds, 1), "hours": round(self.seconds / 3600, 4),
                "clips": self.clips, "taboo_findings": len(self.taboo),
                "taboo_per_hour": round(self.per_hour(len(self.taboo)), 2),
                "false_hits": sum(self.false_by_kind.values()),
                "false_hits_per_hour": round(self.per_hour(sum(self.false_by_kind.values())), 2),
                "false_by_kind": dict(sorted(self.false_by_kind.items())),
                "false_per_hour_by_kind": {k: round(self.per_hour(v), 2) for k, v
                                           in sorted(self.false_by_kind.items())},
                "held_by_reference": self.held, "cpu_s": round(self.cpu_s, 1),
                "taboo": [{"clip": c, "phrase": p, "heard": h, "start": s}
                          for c, p, h, s in self.taboo]}


def judge(clip: Clip, engine, scorer: Scorer) -> Alarms:
    """Score a clip as staff speech: the hits its reference text does not hold are false."""
    reference = scorer.score(clip.lines)
    held = {(h.kind, h.phrase) for v in reference.visits for h in v.hits}
    began = time.process_time()
    heard = score_file(scorer, clip.path, engine, ("staff",))
    alarms = Alarms(seconds=clip.seconds, clips=1, cpu_s=time.process_time() - began)
    for hit in (h for v in heard.visits for h in v.hits):
        if (hit.kind, hit.phrase) in held:
            alarms.held += 1
            continue
        alarms.false_by_kind[hit.kind] += 1
        if hit.kind == "taboo":  # every line is staff speech: each taboo hit is a finding
            alarms.taboo.append((clip.name, hit.phrase, hit.matched, hit.start))
    return alarms


def table(groups: dict[str, Alarms]) -> str:
    names = list(groups)
    data = {n: a.as_dict() for n, a in groups.items()}
    kinds = sorted({k for d in data.values() for k in d["false_by_kind"]},
                   key=lambda k: (k in CUE_KINDS, k))
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines.append("| audio (min) / clips | " + " | ".join(
        f"{data[n]['seconds'] / 60:.1f} / {data[n]['clips']}" for n in names) + " |")
    lines.append("| taboo findings per hour | " + " | ".join(
        f"{data[n]['taboo_per_hour']:.1f} ({data[n]['taboo_findings']})" for n in names) + " |")
    lines.append("| false phrase hits per hour | " + " | ".join(
        f"{data[n]['false_hits_per_hour']:.1f} ({data[n]['false_hits']})" for n in names) + " |")
    for kind in kinds:
        cue = " (cue)" if kind in CUE_KINDS else ""
        lines.append(f"| - {kind}{cue} per hour | " + " | ".join(
            f"{data[n]['false_per_hour_by_kind'].get(kind, 0):.1f}" for n in names) + " |")
    lines.append("| hits the reference text holds | " + " | ".join(
        str(data[n]["held_by_reference"]) for n in names) + " |")
    return "\n".join(lines)
