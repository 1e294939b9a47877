"""What a staff line does, read by its structure (monitor/intent.py), and the rules'
`intent` condition that asks it (issue 25): a deflection, a direction, a hand-over."""
import pytest

from monitor import intent, ruledata, ruletext
from monitor.errors import InputError


@pytest.mark.parametrize("line", ["这个咱们窗口不承办", "我们这儿办不了", "这不是我们部门的业务范围",
                                  "您跑错地方了", "这个跟本窗口没关系", "我们这只办个人业务，单位的不办"])
def test_a_negated_handling_belonging_or_scope_of_the_counter_is_a_deflection(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", [
    "不归我们管？谁说的",                       # asked back
    "什么叫不归我们管，这是我们的事",             # gainsaid
    "他们说这个我们不管",                       # reported
    "今天系统坏了，我们办不了",                   # a delay
    "材料不全，我们这儿受理不了",                 # a lack
    "出院小结您这儿没有，得补上",                 # 您这儿 is the customer's side
    "我不管您怎么说，规定就是这样"])              # 不管 + how: no matter
def test_what_is_asked_back_reported_delayed_or_lacking_is_no_deflection(line):
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", ["您去三号窗口", "社保局管这个", "您给车管所打个电话",
                                  "出门右转就是", "拨打幺二三四五", "这是税务局的业务",
                                  "我旁边这个窗口能办"])
def test_a_place_named_by_its_own_name_with_a_way_there_is_a_direction(line):
    assert intent.read(line).direction


@pytest.mark.parametrize("line", ["您去别的部门问问", "找相关单位吧", "您打个电话问问",
                                  "您去上级部门反映", "我们窗口办不了", "您跑错门了"])
def test_a_place_with_no_name_of_its_own_is_no_direction(line):
    assert not intent.read(line).direction


@pytest.mark.parametrize("line", ["我帮您联系社保科", "我叫不动产登记中心的同事下来",
                                  "走，我带您过去"])
def test_staff_acting_for_the_citizen_is_a_hand_over_and_a_direction(line):
    read = intent.read(line)
    assert read.handover and read.direction


@pytest.mark.parametrize("line", ["我帮不上您", "我也没接到过通知", "你问我我问谁去"])
def test_a_refusal_or_a_question_is_no_hand_over(line):
    assert not intent.read(line).handover


def test_a_word_added_to_a_class_is_read(tmp_path):
    path = tmp_path / "intent.toml"
    text = intent.words_path().read_text(encoding="utf-8")
    path.write_text(text.replace('words = ["我们",', 'words = ["本股室", "我们",', 1),
                    encoding="utf-8")
    assert not intent.read("本股室不经办这种").deflection
    assert intent.read("本股室不经办这种", path).deflection


RULE = """
[[rules]]
id = "hall_1"
name = "推诿"
prompt = "请指引"
norm = "首问负责"
detail = "{{matched}}"
[rules.when]
intent = {value}
"""


def test_a_rule_names_an_intent_and_the_page_says_it_in_chinese(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(RULE.format(value='"deflection"'), encoding="utf-8")
    rule = ruledata.load_file(path)[0]
    assert rule.when.value == ("deflection",)
    said = " ".join(text for _, text in ruletext.describe(rule, rule.params))
    assert "推脱" in said and "deflection" not in said


def test_an_unknown_intent_is_one_error_naming_the_field(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(RULE.format(value='"refusal"'), encoding="utf-8")
    with pytest.raises(InputError) as error:
        ruledata.load_file(path)
    assert "when.intent" in str(error.value) and "refusal" in str(error.value)


def _line_of_self() -> int:
    lines = intent.words_path().read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("[self]"))


@pytest.mark.parametrize("edit, where", [
    (lambda t: t.replace('words = ["我们",', 'words = [1, "我们",', 1),
     lambda: f"第 {_line_of_self()} 行：字段“self.words”"),
    (lambda t: t.replace('[self]', '[self', 1), lambda: f"第 {_line_of_self()} 行"),
    (lambda t: t.replace('[negation]', '[denial]', 1),
     lambda: "字段“negation”：缺少词类 [negation]"),
])
def test_a_wrong_words_file_is_one_error_naming_its_line_and_class(tmp_path, edit, where):
    path = tmp_path / "intent.toml"
    path.write_text(edit(intent.words_path().read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as error:
        intent.read("这事我们不经办", path)
    assert str(path) in str(error.value) and where() in str(error.value)


@pytest.mark.parametrize("line", ["这个现在不归我们管了", "咱这儿整不了", "我们系统里查不到这种",
                                  "这得人家那边弄", "归别的口"])
def test_what_is_not_ours_at_any_time_or_cannot_be_got_at_is_a_deflection(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", ["网络断了，我们查不到", "您的号我们查不到，您再报一遍？",
                                  "人家那边已经办好了", "这两个窗口是挨着的"])
def test_a_fault_a_lookup_or_work_done_elsewhere_is_no_deflection(line):
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", ["您稍等，我去后面拿一下", "您先坐，我再查查", "钥匙不在我这儿，同事马上送来",
                                  "我打印完就给您", "这个我做不了主，得问下科长"])
def test_staff_keeping_the_matter_is_a_wait_and_no_deflection(line):
    read = intent.read(line)
    assert read.wait and not read.deflection


@pytest.mark.parametrize("line", ["这个不归我们管，您稍等", "我看这个我们办不了", "您等着也没用，我们不办这个",
                                  "我们这儿查不到，我也没办法", "这个我们处理不了，我先办下一位",
                                  "这个我们是受理不了的，我这边也查过了", "这个我们办不了，得找一下别的部门",
                                  "您先别急，这事不在我们这儿办"])
def test_a_refusal_beside_a_wait_or_an_i_think_is_no_wait(line):
    read = intent.read(line)
    assert read.deflection and not read.wait


def test_a_regional_form_is_read_as_the_standard_word_and_quoted_as_said():
    assert intent.read("呢个我哋冇得办，唔系我哋嘅嘢").deflection == "呢个我哋冇得办"


def test_the_counter_named_by_its_kind_of_place_is_the_counter_itself():
    read = intent.read("这项业务不在本窗受理范围")
    assert read.deflection and not read.direction


@pytest.mark.parametrize("line, deflects", [
    ("我们是管缴费的，您说的这个是审批的事", True), ("这个是审批那条线的，我们是服务这条线的", True),
    ("我们是管社保的，您这个是社保卡的事", False),       # guards: what each is said to be shares a word,
    ("我们是八点开门的，您这是第二个", False),           # a counter's kind meets no matter's
    ("我们是按月扣费的，您这个是上个月的", False)])       # nor a month's
def test_kinds_set_apart_are_read_by_what_each_is_said_to_be(line, deflects):
    assert bool(intent.read(line).deflection) is deflects


def test_a_regional_at_and_no_are_read_as_the_standard_word():
    assert intent.read("呢个唔喺我哋度办㗎").deflection
    assert intent.read("阿拉此地勿办这桩事体").deflection


@pytest.mark.parametrize("line, directs", [("您向市场监管所打电话问问", True), ("您要问的是医保报销", False),
                                           ("您给他们去个电话", False)])  # a guard
def test_a_call_directs_to_whom_it_names_and_what_was_asked_is_no_way_there(line, directs):
    assert bool(intent.read(line).direction) is directs


@pytest.mark.parametrize("line", ["您户口在外区", "您这个是单位参保的事"])
def test_another_area_or_the_matter_said_to_be_something_is_no_direction(line):
    assert not intent.read(line).direction


@pytest.mark.parametrize("line", ["这事涉及人家那边的职责", "这个我们也动不了"])
def test_a_matter_touching_another_party_or_a_tool_that_will_not_is_a_deflection(line):
    assert intent.read(line).deflection


def test_a_paper_not_handed_in_is_a_lack_not_a_deflection():
    assert not intent.read("另外一个家庭收入申报表，您这没有，得补").deflection


@pytest.mark.parametrize("line", ["如果没有户口簿原件，我们这儿办不了", "假如您没有结婚证，这个我们受理不了"])
def test_what_cannot_be_done_without_a_paper_is_a_lack_not_a_deflection(line):
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", ["您这材料不够数，我们这儿受理不了", "手续不够，这边没法给您办",
                                  "您拿的这几样不够，我们这受理不了"])
def test_what_cannot_be_done_for_materials_short_is_a_lack_not_a_deflection(line):
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", ["材料不够，再说这事本来就不归我们管", "我们权限不够，这个办不了",
                                  "咱们人手不够，这个办不了", "材料都齐了，可这个我们还是办不了"])
def test_not_ours_beside_a_lack_or_the_counter_short_of_power_is_a_deflection(line):  # guards
    assert intent.read(line).deflection


def test_a_kind_of_matter_said_as_a_condition_is_still_a_deflection():  # a guard
    assert intent.read("如果是外地户口，我们这儿办不了").deflection


@pytest.mark.parametrize("line", [
    "我跟您说地方：档案馆查询窗口", "定位我发给您，区档案馆", "我给您写个条：区政务办公室",  # told
    "我把档案馆的位置发您手机上", "您记一下，档案馆接待室，对，档案馆接待室",
    "档案馆离这儿大概五百米", "公证处周末也营业",                                    # how far, when open
    "出入境大厅，就在我们这栋楼的后头"])                                             # from a landmark
def test_a_place_told_or_said_by_how_far_when_open_or_from_a_landmark_is_a_direction(line):
    assert intent.read(line).direction


@pytest.mark.parametrize("line", ["我跟您说地方：别的部门", "您离窗口远一点", "我们每天都开门"])
def test_a_place_told_with_no_name_or_a_distance_or_hours_of_nothing_named_is_no_direction(line):
    assert not intent.read(line).direction


@pytest.mark.parametrize("line", ["我让社保科的同事回复您", "我帮您给医保科发个消息",
                                  "我先替您收下，回头转给他们", "我帮您在税务那边挂上号了"])
def test_staff_passing_the_matter_on_by_a_message_a_reply_or_taking_it_in_is_a_handover(line):
    assert intent.read(line).handover


# The tenth set's missed deflections, by class (session 12), in wordings written here.
@pytest.mark.parametrize("line", [
    "谁跟您讲这归我们管的？", "这怎么能是我们办的呢", "我们要是能管还能不给您管吗",  # asked as absurd
    "您瞧我们这像管这个的部门吗"])
def test_the_counters_handling_asked_back_as_absurd_is_a_deflection(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", ["谁说不归我们管？就是我们办的", "这哪能不管呢，我这就给您弄",
                                  "您看这张像是身份证复印件吗", "谁说的您得去别处？"])
def test_a_deflection_gainsaid_or_a_question_of_no_handling_is_none(line):  # guards
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", [
    "该事项非本窗口职能",                    # 非 as a no of scope
    "这一项不在咱们办理清单里",                # not on the list the counter takes
    "我们这儿不出这类证明",                    # not issuing a paper of that kind
    "我们这边没有在受理这项",                  # 没有在 + a handling
    "这个不是我们这儿弄的撒"])                 # a regional particle closing the clause
def test_not_ours_said_by_not_not_listed_not_issued_or_with_a_particle(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", ["这个我们非常重视，马上给您办", "不在清单上的材料您就不用带了",
                                  "您照着清单把材料备齐"])
def test_very_or_a_list_of_papers_is_no_deflection(line):  # guards
    assert not intent.read(line).deflection


def test_outside_before_a_place_pointed_at_names_it():
    assert intent.read("您去外面那栋小楼，那儿专门办这个").direction
    assert not intent.read("您去外面问问").direction  # a guard: outside, somewhere
    assert not intent.read("您上外面那个部门问问").direction


# The eleventh set's classes (session 12), in wordings written here.
@pytest.mark.parametrize("line", ["我已经问过我们主任了，这事不归我们", "我打电话问了处长，处长讲不是我们这儿的",
                                  "我请示过领导了，这项我们不办"])
def test_whom_staff_asked_already_is_no_place_to_go(line):
    read = intent.read(line)
    assert read.deflection and not read.direction


@pytest.mark.parametrize("line", ["我问过了，您去税务局三楼", "我问问主任", "您去问问主任"])
def test_a_place_after_asking_or_an_offer_to_ask_stays_as_it_was(line):  # guards
    assert intent.read(line).direction


@pytest.mark.parametrize("line", [
    "不是那边，是区市场监管所", "对，就是区医保中心，您没记错",  # a place said back put right
    "过了路口，下来就是区档案馆",              # where it is, as the answer
    "得区医保中心，那才行",                   # 得 and the place
    "直接冲市场监管所，那边秒批",              # a slang way there
    "您到……区税务分局",                  # a way there broken by a pause
    "残联搬老干部活动中心了，您去那",          # where it moved
    "您去D座602", "税务局周四上午才受理", "社保中心周末关门，您周一去"])  # a lettered block; when open
def test_a_place_told_as_the_answer_moved_to_or_with_when_to_go_is_a_direction(line):
    assert intent.read(line).direction


@pytest.mark.parametrize("line", ["这是我们的规定", "不是您说的那样", "得问问别的部门",
                                  "您周一去也办不了", "冲突的事我们不管"])
def test_a_copula_or_a_day_with_no_place_is_no_direction(line):  # guards
    assert not intent.read(line).direction


@pytest.mark.parametrize("line", ["这类事不落在我们窗口", "本中心不承担这项审批", "这项从来没划给我们",
                                  "按区里的职责清单，这一块不在我们这儿"])
def test_not_ours_said_by_falling_elsewhere_bearing_assigned_or_a_list_of_powers(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", ["材料还没交给我们", "按照权责清单，这个归我们管", "户口本不在我这，我去拿"])
def test_papers_not_handed_in_or_a_list_of_powers_saying_ours_is_no_deflection(line):  # guards
    assert not intent.read(line).deflection


# The eleventh set's rest (session 13), in wordings written here.
@pytest.mark.parametrize("line", ["您这个事我们这里不得办", "这种证明我们窗口办不得", "这一块自打调整后就不是我们的了",
                                  "查过了，不是咱们这儿的厚"])
def test_cannot_said_in_sichuanese_or_not_ours_any_more_is_a_deflection(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", ["我不得不说，这个我们能办", "您不得不跑一趟社保局", "这个不是我们的了吗？"])
def test_must_or_ours_now_is_no_deflection(line):  # guards
    assert not intent.read(line).deflection


# The twelfth set's classes, first_asked (session 13, helper t12fa), in wordings written here.
@pytest.mark.parametrize("line", [
    "您这件事落不到咱们这儿", "这个不经我们窗口的手", "这事不对我们这个口", "那个毋系我们个活",
    "这种事勿是阿拉额", "我们这边毋经办", "您这种我们开不出也出不了", "咱这儿压根没这个技能",
    "您看看我们门口的牌子，写着办这个吗？",
    "我核对了一下清单，您这个我们这儿不受理",               # the list staff checked is no lack
    "前台说能办是她搞错了，您这个我们不接",                  # a claim that it can be done gainsaid
    "这个——我们——办——不了",                               # drawn out by dashes
    "那个，我们窗口，没有",                                  # a halting line: one clause
    "我们是管登记的，哪能给您办那种事", "不办理。您体谅一下", "管不了，这事",   # how could we; a no, its doer unsaid
    "这项在我们系统里查无此项",
])
def test_not_ours_said_as_falling_elsewhere_in_wu_halting_or_after_a_wrong_claim_is_a_deflection(line):
    assert intent.read(line).deflection


@pytest.mark.parametrize("line", [
    "这种情况我们不能不收", "您这个我们没法不办", "窗口说不归我们，那是他们说错了",
    "结果还出不来，您稍等", "那个，您先坐一下",
    "怎么能给您办得这么慢呢，对不住", "不办完您别走", "手续不完整，办不了", "还没凑齐，受理不了", "我跟您说，得拿原件来，复印件概不收",
])
def test_a_must_a_no_gainsaid_or_a_wait_is_no_deflection(line):  # guards
    assert not intent.read(line).deflection


@pytest.mark.parametrize("line", [
    "您手机导航市档案馆就行", "区公证处，专门管这块，您去那", "门口的平面图上，区税务分局是那个蓝块",
    "社保分中心今天关了，您明天九点过去", "您从后门出去，穿过广场就是街道办",
    "您去市慈善基金会问问", "公积金中心只有周三受理这个", "我跟您念一遍：区民政局救助科",
    "您快点，出入境大厅五点停止受理", "这我们管不了，您去市红十字会",
])
def test_a_place_navigated_to_pointed_on_a_plan_or_when_to_go_is_a_direction(line):
    assert intent.read(line).direction


@pytest.mark.parametrize("line", ["您看这张地图，挺旧的", "我明天九点过去", "您去那个，拿个号"])
def test_a_plan_or_a_time_with_no_place_is_no_direction(line):  # guards
    assert not intent.read(line).direction


@pytest.mark.parametrize("line", ["您留个号码，我让医保办明天回您", "我把您的电话给街道办，他们找您",
                                  "您留个电话，我让区人力资源和社会保障局劳动监察支队明天回您"])   # a long name
def test_someone_named_to_call_back_or_given_the_number_is_a_handover(line):
    assert intent.read(line).handover


@pytest.mark.parametrize("line", ["您这个找我们是找不着门路的，我们不办", "我跟您说：这事不归我们"])
def test_a_way_not_found_or_a_colon_before_a_no_is_no_direction(line):  # guards
    assert not intent.read(line).direction
