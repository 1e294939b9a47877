"""The words a hall user reads: one table of labels per rule, and those of severities,
verdicts, lights and roles; and how speech heard by a machine is marked.

Every page, report and terminal view takes its Chinese from here, so a rule is called the
same everywhere. Ids (rule, severity, verdict, light state) stay English in the database,
the logs and JSON field names. A leaf module: it imports nothing from the monitor.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

SEVERITIES = ("critical", "major", "minor")  # gravest first


@dataclass(frozen=True)
class RuleWords:
    """What a rule is called, what staff are prompted to do, and the norm it keeps."""

    name: str  # the breach, short (a tile, a timeline tick): 未问候
    prompt: str  # for the staff member at the counter: 请先问候
    norm: str  # the service norm the rule checks: 来有迎声


RULES: dict[str, RuleWords] = {  # the rules that stay code (rules.py); see all_rules
    "greeting": RuleWords("未问候", "请先问候", "来有迎声"),
    "answer": RuleWords("未答问", "请回答顾客的问题", "问有答声"),
    "farewell": RuleWords("未送别", "请使用送别语", "走有送声"),
    "wait_apology": RuleWords("等候未致歉", "请招呼等候的顾客", "等候致歉"),
    "speech_rate": RuleWords("语速不当", "请注意语速", "语速适中"),
}
SEVERITY_LABELS = {"critical": "严重", "major": "较重", "minor": "轻微"}
VERDICT_LABELS = {"pass": "合格", "warn": "待改进", "fail": "不合格"}
STATE_LABELS = {"off": "空闲", "green": "服务中", "yellow": "提醒", "red": "严重"}
ROLE_LABELS = {"staff": "工作人员", "customer": "顾客"}
# what practice expects of an answer: lexicon kinds, and `answer` (anything said)
EXPECT_LABELS = {"greeting": "迎声", "answer": "答声", "apology": "致歉", "waiting": "请稍等",
                 "please": "请字当头", "thanks_reply": "回应感谢", "farewell": "送声"}

MACHINE_MARK = "机器识别"  # beside speech a recogniser heard (never beside typed text)
MACHINE_NOTE = "由语音自动识别，可能有误"  # its legend / tooltip
PINYIN_TOGGLE = "显示拼音"


def ticket_label(ticket: str, business: str = "") -> str:
    """A visit the queue set, as every surface names it: 排队号 A023（户籍）; '' without."""
    if not ticket:
        return ""
    return f"排队号 {ticket}" + (f"（{business}）" if business else "")


# The rules written as data (lexicons/rules/*.toml) carry their own words: `ruledata` sets
# this to its reader when imported (this module imports nothing), so their words live in
# one place, the rule file.
data_words: Callable[[], dict[str, RuleWords]] = dict
# The rules a hall wrote on its rules page (rulechanges.py, stored in its database): the
# database's rows are their one place; `hallchanges.remember` fills this when a database is
# opened and when a new rule is applied, so every surface names their findings.
hall_words: dict[str, RuleWords] = {}


def all_rules() -> dict[str, RuleWords]:
    """Every rule's words: the built-ins in code, the rules written as data, a hall's own."""
    return {**hall_words, **RULES, **data_words()}


def rule_words(rule: str) -> RuleWords | None:
    return RULES.get(rule) or data_words().get(rule) or hall_words.get(rule)


def rule_name(rule: str) -> str:
    words = rule_words(rule)
    return words.name if words else rule


def rule_prompt(rule: str) -> str:
    words = rule_words(rule)
    return words.prompt if words else ""


def rule_norm(rule: str) -> str:
    words = rule_words(rule)
    return words.norm if words else rule


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)


PROVISIONAL = "暂定"  # a judgement that may still change (visit in progress, speech still heard)


def verdict_label(verdict: str, provisional: bool = False) -> str:
    """A verdict in words; a visit still going on (or left by a killed monitor) is 暂定."""
    words = VERDICT_LABELS.get(verdict, verdict)
    return f"{words}（{PROVISIONAL}）" if provisional else words


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


ROLE_PENDING = "角色待确认"  # a finding on a role a single pickup heard unsure, until reviewed
ROLE_CORRECTED = "人工更正"


def role_heard(role: str, confidence: float | None = None, corrected: str = "") -> str:
    """A line's role as shown: 工作人员, or as a single pickup's voice decided it
    (工作人员（声纹判断，把握 72%）), or as a reviewer corrected it (`corrected`: the role
    a person gave it): 顾客（人工更正；声纹判断为工作人员，把握 62%）."""
    sure = f"，把握 {confidence:.0%}" if confidence is not None else ""
    if corrected:
        was = f"声纹判断为{role_label(role)}{sure}" if confidence is not None else \
            f"原为{role_label(role)}"
        return f"{role_label(corrected)}（{ROLE_CORRECTED}；{was}）"
    if confidence is None:
        return role_label(role)
    return f"{role_label(role)}（声纹判断{sure}）"


@dataclass(frozen=True)
class Speech:
    """Words to show, with what the recogniser really heard when a machine heard them."""

    text: str
    pinyin: str = ""  # toned pinyin, '' when typed or heard as characters (vosk)
    heard_by: str = ""  # the engine, '' when a person wrote the text

    @property
    def machine(self) -> bool:
        return bool(self.heard_by)

    @property
    def title(self) -> str:
        """The tooltip: what the mark means, and the pinyin heard."""
        if not self.machine:
            return ""
        return MACHINE_NOTE + (f"；拼音：{self.pinyin}" if self.pinyin else "")


def spoken(line) -> Speech:
    """An utterance (heard, or read back) as shown: its characters, else its pinyin."""
    text, pinyin = line.text or "", line.pinyin or ""
    heard_by = line.heard_by or ""
    return Speech(text or pinyin, pinyin if text else "", heard_by)


def quoted(quote: str, start: float, end: float, lines: Sequence) -> Speech:
    """A finding's quote with how its line was heard: the line (an utterance) that holds it,
    during the finding if one does, else any line spoken during it (the quote is then in
    other words, e.g. toneless pinyin). The pinyin is the quote's own syllables when the
    line has one syllable per character (decoded speech), else the whole line's."""
    if not quote:
        return Speech("")
    holding = [line for line in lines
               if quote in (line.text or "") or quote in (line.pinyin or "")]
    during = [line for line in holding if line.start <= end
              and line.end >= start]
    if not (during or holding):
        spoken_then = [line for line in lines if line.start <= end
                       and line.end >= start and line.heard_by]
        return Speech(quote, "", spoken_then[0].heard_by if spoken_then else "")
    line = (during or holding)[0]
    text, pinyin = line.text or "", line.pinyin or ""
    heard_by = line.heard_by or ""
    if quote not in text:  # the quote is pinyin itself (an old database, a pinyin-only line)
        return Speech(quote, "", heard_by)
    syllables = pinyin.split()
    at = text.find(quote)
    if len(syllables) == len(text) and at >= 0:
        pinyin = " ".join(syllables[at:at + len(quote)])
    return Speech(quote, pinyin, heard_by)

# Liveness (monitor/liveness.py): a window nobody listens to, and what its monitor reports.
INTERRUPTED_LABEL = "监测中断"
UNACKNOWLEDGED_RED = "红灯待确认"  # a red that outlives its monitor until somebody acknowledges it
LIVENESS_LABELS = {"listening": "正在监听", "never": "尚无监测", "stale": "监测程序无响应",
                   "stopped": "监测已停止", "unplugged": "麦克风已断开", "silent": "麦克风无声音",
                   "storage": "数据库暂时无法写入"}


def liveness_label(reason: str) -> str:
    return LIVENESS_LABELS.get(reason, reason)


# alerts (monitor/watch.py): every liveness reason, and two of the hall's own
ALERT_LABELS = {"backlog": "待写入数据积压", "disk": "磁盘空间不足"}


def alert_label(kind: str) -> str:
    return ALERT_LABELS.get(kind) or liveness_label(kind)

# review and appeal (issue 13): accounts' roles, a reviewer's decisions and reasons, appeals
ACCOUNT_ROLE_LABELS = {"admin": "管理员", "supervisor": "值班主管", "staff": "工作人员",
                       "viewer": "查看人员"}  # looks only
DECISION_LABELS = {"confirm": "确认", "dismiss": "驳回"}
REVIEW_REASONS = {"misheard": "误识别", "customer": "顾客所说", "not_applicable": "规则不适用",
                  "other": "其他"}
APPEAL_LABELS = {"open": "待处理", "upheld": "维持原判", "overturned": "已撤销"}
# a review or appeal whose finding a re-scoring took away (monitor/storage.finding_ids)
ORPHANED = "原发现已不存在"

# a hall's lexicon changes (monitor/tuning.py) and what reviewers decided, as a preview says
LEXICON_CHANGE_LABELS = {"threshold": "调整阈值", "except": "添加例外", "off": "停用",
                         "undo": "撤销"}
RULE_CHANGE_LABELS = {"enabled": "启用/停用", "severity": "严重程度", "deduction": "扣分",
                      "param": "参数", "add": "新建规则", "undo": "撤销"}
REVIEWED_LABELS = {"confirm": "已确认", "dismiss": "已驳回"}


# the cue kinds, as a rule written as data names them (the rules page)
CUE_LABELS = {"thanks": "致谢", "question": "提问", "instruction": "指令", "deflection": "推脱",
              "direction": "引导去处", "missing": "缺件告知", "returning": "再次来办",
              "request": "来意", "rating_prompt": "邀请评价"}


# what a line does, read by its structure (monitor/intent.py), as a rule names it
INTENT_LABELS = {"deflection": "推脱（说事项不归本窗口办）",
                 "direction": "指引去处（说出到哪个窗口、部门、电话办，或代为联系）",
                 "handover": "代为转交（工作人员替群众联系、转交、带过去）",
                 "wait": "本窗口接着办（请群众稍候，或工作人员自己去取、去查：稍等，我去拿）"}
LACK_LABELS = {"named": "说出缺少的材料（说了缺什么）",
               "unnamed": "说缺材料却没说缺什么（材料不全、东西没带齐）",
               "fewer": "说了缺几样，说出的材料却更少（还差三样，只说了一样）",
               "more": "又补充要一样材料（还要…、…也得有、对了…）"}


def phrase_kind_label(kind: str) -> str:
    """A lexicon kind as a hall calls it: 迎声, 送声, 推脱 ... or 服务忌语."""
    return EXPECT_LABELS.get(kind) or CUE_LABELS.get(kind) or rule_name(kind)

# the audit trail (monitor/audit.py): actions as stored → as a hall reads them
AUDIT_ACTIONS = {"login": "登录", "login_failed": "登录失败", "logout": "退出登录",
                 "ack": "确认红灯", "review": "复核", "add_finding": "补录检出",
                 "appeal": "申诉", "decision": "处理申诉", "training": "培训集",
                 "user": "账号", "config": "修改设置", "retention": "到期删除",
                 "lexicon_change": "修改词库", "role": "更正角色", "rule_change": "修改规则",
                 "config_applied": "监测程序读取设置"}
ACCOUNT_CHANGES = {"add": "添加", "reset": "重置", "enable": "启用", "disable": "停用",
                   "reset password": "重置密码", "change own password": "修改本人密码",
                   "remove": "删除"}
TRAINING_CHANGES = {"add": "加入", "remove": "移出"}
AUDIT_ACTORS = {"system": "系统", "cli": "命令行"}  # who acted when no person did
# recordings kept (monitor/recordings.py KEEP)
KEEP_WORDS = {"none": "不保存", "flagged": "只保存有问题的来访", "all": "全部保存"}
# hall.toml's tables and keys as the settings page names them
SETTING_TABLES = {"windows": "窗口", "staff": "工作人员", "lights": "提示灯",
                  "recordings": "录音保存"}
SETTING_KEYS = {"name": "名称", "device": "音频设备", "staff": "值班人员", "profile": "行业配置",
                "channels": "声道", "red_hold_s": "红灯保持秒数", "ack_required": "须主管确认",
                "keep": "保存范围", "days": "保存天数"}
AUDIT_COLUMNS = {"id": "编号", "at": "时间", "actor": "操作人", "action": "操作",
                 "target": "对象", "detail": "内容", "note": "备注", "origin": "来源"}


def setting_label(target: str) -> str:
    """`windows.W01` -> 窗口 W01 (a hall.toml entry, as a save or the audit trail names it);
    "" for what is no setting."""
    table, _, entry = target.partition(".")
    return f"{SETTING_TABLES[table]} {entry}".strip() if table in SETTING_TABLES else ""


def when(moment: datetime | date | str | None) -> str:
    """A date or time as a hall reads it, never raw ISO: on the clock it was stored with
    (the hall's, where it happened: a transcript's line times and a finding's day read it
    so too, even when the server runs on another zone, e.g. UTC in a container), to the
    minute: 2026年11月20日 14:05 (a date alone: 2026年11月20日). "" for none; text that is
    no time is shown as given."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = (date.fromisoformat(moment) if len(moment) == 10
                      else datetime.fromisoformat(moment))
        except ValueError:
            return moment
    day = f"{moment.year}年{moment.month}月{moment.day}日"
    if not isinstance(moment, datetime):
        return day
    return f"{day} {moment:%H:%M}"
