"""首问负责 and 一次性告知 on wordings written here (a set of their own, apart from the
bench's): what staff say when materials are counted but fewer named, missing with none
named, or a matter is turned away with a farewell or a pointer to nowhere in particular."""
from __future__ import annotations

import pytest

from monitor.pipeline import Scorer
from monitor.records import Utterance


@pytest.fixture(scope="module")
def scorer():
    return Scorer.load("government")


def _found(scorer, rule: str, said: list[tuple[str, str]]) -> bool:
    lines = [("staff", "您好"), ("customer", "我想办居住证"), *said]
    visits = scorer.score([Utterance(5 * n, 5 * n + 3, role, text)
                           for n, (role, text) in enumerate(lines)], window="W01").visits
    return any(f.rule == rule for v in visits for f in v.findings)


def _told(scorer, line: str) -> bool:
    return _found(scorer, "tell_once", [("staff", line), ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("line", [
    "得准备三种材料：户口本和照片",     # the count after 准备
    "您这个还差俩，一个户口本",          # 俩, no measure word
    "两样东西您没带：户口本",            # the count first, the lack after
])
def test_fewer_named_than_counted(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", [
    "材料还差点", "你少带了东西", "回去把材料备齐", "你这个材料少了", "你这不完整",
    "材料有遗漏", "差一点材料", "你的资料没齐", "您这东西带得不充分", "手续还没全",
    "材料还不太够", "您的手续还欠点", "资料带得不完全", "您这个材料准备得不到位", "材料还差着呢",
    "您材料缺东少西的"])
def test_missing_and_none_named(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", [
    "还要带身份证、户口本和照片", "您前面还有两个人，请稍等", "这个要三个工作日",
    "文件差点没保存", "材料差一点就丢了"])
def test_named_or_no_materials_at_all(scorer, line):
    assert not _told(scorer, line)


def _turned_away(scorer, deflection: str, then: str) -> bool:
    return _found(scorer, "first_asked", [("staff", deflection), ("customer", "啊？那怎么办"),
                                          ("staff", then)])


@pytest.mark.parametrize("deflection", ["这个业务我们这儿不做", "这事我们没法弄", "我们这儿不接这个"])
def test_deflections_said_otherwise(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", ["您拿好东西，出门注意安全", "您打个电话问问吧"])
def test_a_farewell_or_a_phone_unnamed_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["出门右转就是社保窗口", "您打社保局电话问问", "您打12345问问"])
def test_a_way_out_or_a_named_phone_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


def _piecemeal(scorer, later: str) -> bool:
    """Told 还缺户口本; the customer fetched it; then the staff ask for more."""
    return _found(scorer, "tell_once", [
        ("staff", "还缺户口本"), ("customer", "好的，我去拿"), ("staff", "好的"),
        ("customer", "拿来了，给您"), ("staff", later), ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("later", ["还有一样，租房合同", "租房合同您带了吗？这个也要"])
def test_one_more_asked_later(scorer, later):
    assert _piecemeal(scorer, later)


@pytest.mark.parametrize("later", ["好的，我看一下", "好，齐了"])
def test_nothing_more_asked_later(scorer, later):
    assert not _piecemeal(scorer, later)


# Wordings of a second set written here (the classes widened on the fresh set's failures,
# each class tried on wordings of its own): a sentence-final particle after a deflection,
# a regional 没得, 搞错 said of the customer's errand, not of someone else's words.
@pytest.mark.parametrize("deflection", ["这个不是我们科室的啦", "这事不在我们这儿的嘞", "咱们这儿没得弄",
                                        "搞错了，这个我们这里不受理"])
def test_deflections_with_a_particle_or_a_regional_word(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("line", ["那是他们搞错了，这个就是我们办的", "以前是不归我们，现在归咱们了"])
def test_someone_elses_mistake_gainsaid_is_no_deflection(scorer, line):
    assert not _found(scorer, "first_asked", [("customer", "楼下说你们不管这个"), ("staff", line)])


@pytest.mark.parametrize("then", ["您去问问相关单位吧", "找有关部门问一下"])
def test_the_offices_concerned_are_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["麻烦您跑一趟住院部的收费窗", "您去急诊楼的药房问问"])
def test_a_trip_or_a_hospital_place_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("line", ["东西还差点儿", "光这几样不够", "你这个带得不齐", "就这些可办不成"])
def test_missing_said_of_what_was_brought(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["还缺仨，一个是结婚证", "差两份呢：户口簿",
                                  "一共还少三样材料：户口簿、照片，还有那个……",
                                  "要交两份材料，第一个是收入证明",
                                  "还差三样儿，户口簿跟照片",   # 样儿
                                  "少两样，头一个是户口簿",     # a list's opener names nothing
                                  "还要四样：租房合同跟同意书，再加上照片"])  # 同 of 合同 joins nothing
def test_fewer_named_than_counted_colloquially(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["还差两样：户口簿加结婚证", "要补两份，第一个是户口簿，第二个是照片",
                                  "还要两样：购房合同跟同意书", "差两样儿：户口簿，再加照片"])
def test_as_many_named_as_counted(scorer, line):
    assert not _told(scorer, line)


@pytest.mark.parametrize("listed", ["没有结婚证和户口簿可办不了", "您没带结婚证，户口簿啊",
                                    "您回去拿一下施工图纸跟介绍信"])
def test_not_complete_then_named_without_a_lack_word_before(scorer, listed):
    assert not _found(scorer, "tell_once", [("staff", "材料不全"), ("customer", "缺什么"),
                                            ("staff", listed), ("staff", "再见")])


@pytest.mark.parametrize("later", ["对了，结婚证您带了吗", "租房合同也还要", "啊，结婚证也差", "照片也少不了",
                                   "结婚证也是需要的",   # 也是…的
                                   "哦，户型图也没有啊", "还落了一样：结婚证", "再交一张户型图吧"])
def test_one_more_asked_by_a_question_or_also_still(scorer, later):
    assert _piecemeal(scorer, later)


def _returned(scorer, back: str, told: str, morning: str = "还缺户口簿") -> bool:
    """Morning: told 还缺户口簿; the afternoon's customer line, then the staff's."""
    said = [("staff", "您好"), ("customer", "我来办居住证"), ("staff", morning),
            ("staff", "再见"), ("staff", "您好"), ("customer", back), ("staff", told),
            ("staff", "再见")]
    lines = [Utterance(5 * n + (7200 if n >= 4 else 0), 5 * n + 3 + (7200 if n >= 4 else 0),
                       role, text, visit="v1" if n < 4 else "v2")
             for n, (role, text) in enumerate(said)]
    return any(f.rule == "tell_once" and f.text == told
               for v in scorer.score(lines, window="W01").visits for f in v.findings)


@pytest.mark.parametrize("back", ["我来补户口簿", "户口簿我弄好了", "还是居住证的事，户口簿拿到了",
                                  "我又来咯，户口簿在这", "嗯，是我，早上那个居住证，户口簿有了",
                                  "还记得我吗，办居住证那个", "户口簿找到了，您看看", "第二趟了，户口簿在这儿"])
def test_a_return_said_by_what_is_brought(scorer, back):
    assert _returned(scorer, back, "还得有租房合同")


@pytest.mark.parametrize("back", ["这回是来问社保卡的", "又来打扰了，这次是办医保卡", "我下午来办社保卡"])
def test_another_matter_or_this_afternoon_is_no_return(scorer, back):
    assert not _returned(scorer, back, "还得有租房合同")


# Wordings of a third set written here, one class each, worded apart from the fourth set's
# failing lines (classes read from them: an address term is no reporter, a counter's
# 不对口 is no gainsaying, a relational office is no place, a lack then "cannot be taken"
# is materials, not a deflection).
@pytest.mark.parametrize("deflection", [
    "老人家我跟您讲，这个我们不受理",        # 人家 of an address term reports nobody
    "这不是咱能办的事",                   # 不是 + us + 能办: ours denied, not affirmed
    "这事跟咱们科室不对路",               # not our line
    "这个跟我们柜台不搭边",
    "这块儿我们插不了手",
    "这类事情别来找我们",
    "那种事不找咱们",
    "我们只负责咱们这一摊",               # only our own patch
    "我们就管自己这块儿",
    # a step on wordings written here alone (no set's): the classes they showed missing
    "这项我们这儿没开办", "您这个事我们这边处理不来", "这个业务不属我们", "您这事跟我们八竿子打不着",
    "您这个找我也白搭", "这块我们说了不算", "我们这边只办社保，不办医保", "这个不是这个窗口的",
    "那种咱们这里是不受理的"])  # 是不…的 says no office (not 是不动产…的事)
def test_deflections_of_a_counters_own_line(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", ["您去上级局里反映", "去找主管科室问问", "找对口的处室吧",
                                  "您去问相应的部门", "您到处问问看", "找负责的部门吧"])
def test_an_office_named_by_its_relation_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", [
    "我叫税务所的同事上来一趟",            # a colleague sent for
    "三楼那里有专门的柜台",               # a named place that has the counter
    "这是市场监督管理局登记注册科的事",    # whose matter, a long name
    "您往走道最里头走，那边办",
    "街道计生办管",                      # an office said to handle it, bare
    "找驻场的理赔专员，他们负责这个",
    "我跟楼上打个招呼，您上去直接办", "这个要到市里办", "您上支付宝搜一下就能办"])
def test_directions_said_otherwise(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("line", ["缺了户口簿，还有结婚证，我们这儿没法受理",
                                  "别问我了，按清单上的准备", "您这个没签字，我们不能办",
                                  "照片不合格，咱们这儿受理不了", "要是没有户口簿原件，我们这儿没法受理",
                                  "如果您没有结婚证，这边就办不了"])
def test_materials_lacking_is_no_deflection(scorer, line):
    assert not _found(scorer, "first_asked", [("staff", line), ("customer", "好"),
                                              ("staff", "再见")])


@pytest.mark.parametrize("morning, told", [
    ("还缺新户主户口簿", "原户主户口簿也要"),     # the 原户主's, after the 新户主's
    ("还缺授权委托书", "还要申请书"),            # 请 of 申请书 is no word of asking
    ("还缺医保卡", "还要银行卡"),                # nor 行 of 银行卡 a particle
    ("还缺新户主的户口簿", "旧户主的户口簿也要")])  # a qualifier said with 的
def test_a_name_told_apart_by_its_qualifier_is_new(scorer, morning, told):
    """Morning: one thing named; afternoon, the customer brings it and is asked for another
    of the same ending: a new thing."""
    brought = morning.removeprefix("还缺")
    assert _returned(scorer, f"上午来过，{brought}拿来了", told, morning=morning)


@pytest.mark.parametrize("told", ["户口簿您怎么还没带？", "户口簿您又忘啦", "不是跟您讲了吗，户口簿还缺着",
                                  "户口簿您还没拿来呢"])
def test_a_reminder_of_what_was_told_is_not_new(scorer, told):
    """Two customers of the business told apart in the morning; one back saying not whose
    list it brings: a reminder of a thing told (still, again, not yet) asks nothing new."""
    said = [("customer", "我来办居住证"), ("staff", "还缺户口簿"), ("staff", "再见"),
            ("customer", "我来办居住证"), ("staff", "还缺结婚证"), ("staff", "再见"),
            ("customer", "我上午来过，办居住证的材料拿来了"), ("staff", told), ("staff", "再见")]
    lines = [Utterance(5 * n + 3600 * (n // 3), 5 * n + 3 + 3600 * (n // 3), role, text,
                       visit=f"v{n // 3}") for n, (role, text) in enumerate(said)]
    assert not any(f.rule == "tell_once" for v in scorer.score(lines, window="W01").visits
                   for f in v.findings)


# Wordings of a fourth set written here (session 7), one class each, worded apart from the
# fifth set's failing lines (the classes read from them): a counter's own "we don't handle
# it" said with a verb of handling after 不 or 没 (不经管, 不对接, 没那个职责), or with the
# counter first (我们不是受理这种事的), or "asking us is wrong"; a way said by its phone
# (给…打电话, a number said as words), an app, a trip, a walk (朝前面走), whose it is (归…)
# or who handles it (他们专管); a return said by what is brought (带上了, 补上了, …有了) or by
# what was missing then (上午说差…); a lack said as 没X不行 / X没交 / X没有 / 带X来; two
# names joined any way (连同, 外带, 同埋, 再来个); a thing done (户口簿搞定了) is no other
# matter done; the things named are not the business (原件 shared is no same business).
@pytest.mark.parametrize("deflection", [
    "这种事我们科室不经管", "这块我们柜台不经办", "那个我们这里不搞的", "咱们这儿不对接那种业务",
    "咱们窗口没那个职责", "那个咱们没这个权力", "这个事儿问我们不对", "我们不是受理这种事的",
    "那不在咱们手里"])
def test_deflections_by_a_verb_of_handling(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", [
    "您给区医保中心打个电话问问", "电话号码是八六五四三二一，您打过去问问", "您拨打幺二三四五问问",
    "您打水务集团的服务热线", "您朝前头走，瞧见收费处就进去", "您下载个市民中心的App",
    "这类事情归社区居委会", "您找发证机关吧，他们专管这种事", "我这就跟税务所的同事联系，让他们来接您",
    "您去趟停车场收费亭", "我跟医保科讲好了，您直接过去", "您跑一下区里的档案馆"])
def test_directions_by_phone_app_walk_or_whose(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("back", ["我又过来啦，户口簿带上了", "户口簿补上了，接着办居住证",
                                  "还是办居住证，户口簿有了", "户口簿给您带过来啦",
                                  "上午差户口簿，这会儿有了", "上午来过，户口簿搞定了"])
def test_a_return_said_by_what_is_brought_or_was_missing(scorer, back):
    assert _returned(scorer, back, "还得有租房合同")


@pytest.mark.parametrize("told", ["户口簿可以了，不过租房合同没有", "户口簿收了，结婚声明也得交",
                                  "户口簿收下了，还要您的银行户号"])
def test_a_new_thing_told_after_what_was_brought(scorer, told):
    assert _returned(scorer, "上午来过，户口簿拿来了", told)


# one more thing asked on a return by what `$more` and `$named` read, not only by the materials
# reader (another's words: 另外要, …也要, 再给我一份…)
@pytest.mark.parametrize("told", ["户口簿对了，另外要租房合同", "户口簿收到了，哦对，租房合同也要",
                                  "户口簿齐了，再给我一份租房合同", "户口簿齐了，再给我一份授权委托书"])
def test_one_more_thing_on_a_return_in_anothers_words(scorer, told):
    assert _returned(scorer, "上午来过，户口簿拿来了", told)


@pytest.mark.parametrize("morning", ["没户口簿不行的", "您下次带户口簿来", "户口簿没交，办不了",
                                     "户口簿还没交上来", "看了一下，户口簿没有"])
def test_the_mornings_lack_said_otherwise(scorer, morning):
    assert _returned(scorer, "上午来过，户口簿拿来了", "还得有租房合同", morning=morning)


@pytest.mark.parametrize("line", ["居委会证明连同单位证明没交，办不成", "出生证明外带死亡证明没给，不行",
                                  "收入证明没交，办不成", "没单位证明不行的"])
def test_named_lacks_are_no_vague_statement(scorer, line):
    assert not _told(scorer, line)


def test_a_return_tied_by_a_things_ending_is_not_the_same_business(scorer):
    """Morning: a 居住证 visit names 身份证原件; afternoon another customer, for 护照, brings
    its own 护照原件: the shared 原件 ties nothing."""
    said = [("customer", "我来办居住证"), ("staff", "还缺身份证原件"), ("staff", "再见"),
            ("customer", "又来了，护照原件带上了"), ("staff", "护照原件对了，还要出入境申请表"),
            ("staff", "再见")]
    lines = [Utterance(5 * n + 3600 * (n // 3), 5 * n + 3 + 3600 * (n // 3), role, text,
                       visit=f"v{n // 3}") for n, (role, text) in enumerate(said)]
    assert not any(f.rule == "tell_once" for v in scorer.score(lines, window="W01").visits
                   for f in v.findings)


@pytest.mark.parametrize("told", ["还得有分户申请", "还要您的领取通知短信"])
def test_a_thing_named_by_an_application_or_a_message(scorer, told):
    assert _returned(scorer, "上午来过，户口簿拿来了", told)


def test_a_body_it_belongs_to_is_a_direction(scorer):
    assert not _turned_away(scorer, "这个我们这儿办不了", "这事儿归房产交易，您去问他们")


def _day(scorer, said: list[tuple[str, str]]) -> list[str]:
    """Visits of three lines each, an hour apart: the lines of tell_once's findings."""
    lines = [Utterance(5 * n + 3600 * (n // 3), 5 * n + 3 + 3600 * (n // 3), role, text,
                       visit=f"v{n // 3}") for n, (role, text) in enumerate(said)]
    return [f.text for v in scorer.score(lines, window="W01").visits for f in v.findings
            if f.rule == "tell_once"]


def test_a_whole_list_to_a_customer_bringing_nothing_is_no_return(scorer):
    assert not _day(scorer, [
        ("customer", "我来办居住证"), ("staff", "还缺户口簿"), ("staff", "再见"),
        ("customer", "又来麻烦你了，居住证"), ("staff", "您带租房合同、照片来就行"),
        ("staff", "再见")])


@pytest.mark.parametrize("line", ["还要交两份证明，户口簿是头一个", "缺三份文件，比如租房合同"])
def test_counted_by_any_word_for_materials(scorer, line):
    assert _told(scorer, line)


def _waited(line: str) -> bool:
    """wait_length (on in the hospital profile) on one staff line."""
    lines = [("staff", "您好"), ("customer", "我来挂号"), ("staff", line), ("customer", "好"),
             ("staff", "好了，给您")]
    visits = Scorer.load("hospital").score([Utterance(5 * n, 5 * n + 3, role, text)
                                            for n, (role, text) in enumerate(lines)],
                                           window="W01").visits
    return any(f.rule == "wait_length" for v in visits for f in v.findings)


@pytest.mark.parametrize("line", ["您稍微等下，我查一下", "先等一小会儿，系统在查", "您先等着，片子在打",
                                  "您在这边坐一下，我去拿"])
def test_a_wait_said_any_way(line):
    assert _waited(line)


@pytest.mark.parametrize("line", ["您等着拿号就行", "请稍候，大约二十来分钟", "稍等，要一个多小时"])
def test_no_wait_or_its_length_said(line):
    assert not _waited(line)


@pytest.mark.parametrize("line", ["手续还差", "您这材料有些欠缺", "东西还缺点儿", "您这是缺这少那",
                                  "不齐，办不了"])
def test_missing_said_bare_or_by_an_idiom(scorer, line):
    assert _told(scorer, line)


# Wordings of a sixth set written here (session 8, helper `intent`), none a bench set's:
# the deflections, directions and hand-overs the structure reader (monitor/intent.py) reads
# that main's lexicon and expressions did not (each failed at f0e7568), and guards.
@pytest.mark.parametrize("deflection", [
    "这业务我们这没有",                      # the counter has it not, said last
    "这个超出了我们窗口的权限", "我们没有这个资质办",   # no power, no standing
    "这事儿您来这儿没用", "这个嘛，找我这儿不行",      # the wrong place, any way
    "这个我们窗口没开这项", "这个我们不经营", "我们这边不提供这个服务",  # a service verb negated
    "我们这只办个人业务，单位的不办",          # only ours, across a comma
    "这业务去年就划走了，我们这不办了",        # moved away
    "我们这是咨询台，不能受理业务",            # the counter named in the clause before
    "我们这儿只管户籍，您这个不在里头",        # 您这个 is the matter, not a subject
    "这活儿轮不上我们窗口", "您这个我们这个窗口搞不定", "这个归不到我们头上",
    "这个我们这儿接不住",                    # a verb of handling, its outcome not reached
    "我们这不是办这个的窗口"])
def test_deflections_read_by_their_structure(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", [
    "社区卫生服务站能给您开",                 # a place named, doing it
    "您关注一下市医保局的公众号，上面能办",      # a channel with its owner's name
    "您得去开户行办", "这个得交警队处理",
    "我帮您跟社保科说一下，您直接过去",         # hand-overs
    "我帮您登记一下，让社区的人联系您", "我替您约街道的工作人员"])
def test_directions_and_hand_overs_read_by_their_structure(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["您去问问别的地方", "您回去上网搜搜看", "您可以问问其他窗口",
                                  "去找管这个的人吧", "您跑错门了"])
def test_a_pointer_to_no_place_of_its_own_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("line", ["今天系统升级，暂时办不了，您明天来", "我们这不收现金，您扫码吧",
                                  "您材料缺了一份，今天办不了", "什么叫不归我们管，这就是我们的事",
                                  "您这个不用排队，直接办"])
def test_a_delay_a_payment_a_lack_or_a_gainsaying_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


# tell_once's count (session 8): a list goes on in the line's later sentences, and two
# names are two things however they are joined (并, 搭上: a conjunction or the like between
# names), one name with a verb inside (身份证受理回执) staying one.
@pytest.mark.parametrize("line", ["缺四份材料。先说身份证复印件吧", "差两件东西呢。一件是房产证",
                                  "您这儿还欠两样，营业执照算一个"])
def test_fewer_named_than_counted_over_sentences(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["还得带两样：身份证搭上户口本", "还少两样，户口簿并结婚证",
                                  "还要四样：身份证，户口本。照片，还有申请表",
                                  "差两样。一个是户口本。另一个是结婚证",
                                  "还要两样：身份证受理回执，户口簿"])
def test_as_many_named_however_joined_or_over_sentences(scorer, line):
    assert not _told(scorer, line)


# Deflections read by what they mean (session 9), written here apart from every set: the
# matter placed with another party that has no name of its own (人家, 他们那边, 别的口); an
# inability or a lack of access of the counter's (查不着, 没这个模块, 对接不了, 没辙); a referral
# to no place (另找地方, 找负责的单位); said with fillers and particles. What is a wait (今天
# 系统升级), a lookup going on (…查不到，您是不是输错号了？), another party at work (人家那边还在
# 处理) or a lack (还差一样) stays none; a place pointed to (…那排平房，就那儿; …岗亭，您过去)
# or a colleague sent for is a direction.
@pytest.mark.parametrize("deflection", [
    "这个得让人家那边处理", "这种事归他们那边管", "这块儿是人家另一个科的事", "这属于另外一个口的事",
    "这个嘛，归别的口", "那是别的部门的活儿", "这个得让上面来定，我们定不了",
    "这种业务需要到人家那边去办"])
def test_a_matter_placed_with_a_party_of_no_name_is_a_deflection(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("deflection", [
    "我们这儿系统里压根没这个模块", "我这儿打不出这个证明来", "我们这边查不着您说的这种",
    "嗯……这个吧，咱这儿真整不来", "咱这儿没这个口子办这个", "我们这儿的系统对接不了那边",
    "这种事情您找我们，我们也没辙", "这个系统里我们看不到，也办不了", "这个我们这边系统不支持"])
def test_an_inability_or_a_lack_of_access_of_the_counters_is_a_deflection(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("deflection", [
    "这个您得去找负责的单位", "您这个得另找地方", "这个您找我们也白找", "那个，这事儿啊，跟我们这不搭嘎",
    "我们这不是办这个的地儿", "咱这窗口只负责收件，审批那头我们插不进去手"])
def test_a_referral_to_no_place_or_a_colloquial_no_is_a_deflection(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("line", [
    "这个不管它，您在这儿签字", "今天系统在升级，这个办不了，您明天再来",
    "您这个我们查不到，您是不是输错号了？", "人家那边还在处理，您再等等", "不是我们不给办，是您的材料还差一样",
    "这里头没有户口本复印件", "他们那边审核完了会给您打电话", "您不用去别的地方，这儿就能办",
    "您这个没问题，不用找别人", "我们不收您钱"])
def test_a_wait_a_lookup_another_party_at_work_or_a_lack_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("then", [
    "我让后台的同事来看看", "老年大学那排平房，就那儿", "停车场那个岗亭，您过去",
    "出了大门往左，第二个路口就是"])
def test_a_place_pointed_to_or_a_colleague_sent_for_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)
# The materials reader (session 9, monitor/materials.py): counts said any way over items
# said in any shape, lacks with nothing named, a thing told apart from its wording, each
# failing before the reader.
@pytest.mark.parametrize("line", ["少了两张票证，一张是购车发票", "一共得五样凭证，您就带了个户口本"])
def test_fewer_named_than_counted_read_by_structure(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["您的手续没备全", "资料还缺着呢", "您这个还少点什么"])
def test_missing_with_none_named_read_by_structure(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["材料差点弄丢了，您收好", "身份证复印件要两份", "户口本可以了，身份证也齐了"])
def test_almost_copies_or_received_are_no_lack(scorer, line):
    assert not _told(scorer, line)


def test_a_return_knows_a_thing_said_with_or_without_de(scorer):
    """房东的联系方式 in the morning, 房东联系方式 brought back: one thing, so the visit is
    this customer's and 租房合同 is new."""
    lines = [(0, "staff", "您好"), (5, "customer", "我办居住证"), (10, "staff", "您回去把房东的联系方式拿来"),
             (15, "customer", "好的"), (20, "staff", "再见"), (7200, "staff", "您好"),
             (7205, "customer", "我上午来过，房东联系方式带来了"),
             (7210, "staff", "联系方式行了，不过租房合同也得交"), (7215, "customer", "唉"),
             (7220, "staff", "再见")]
    visits = scorer.score([Utterance(t, t + 3, role, text) for t, role, text in lines],
                          window="W01").visits
    assert [f.text for v in visits for f in v.findings if f.rule == "tell_once"] == [
        "联系方式行了，不过租房合同也得交"]


# A wait is no deflection, and deflections and directions as classes (session 10), written
# here apart from every set, each failing before: a clerk who asks the citizen to wait or
# goes for the thing (…不在我这儿，我去拿; …，同事马上送来) keeps the matter, and where the
# citizen waits (您在旁边等一等) is no place sent to; the owner or a counter's kind said not
# to be it (牵头部门不是我们, 不是前台能解决的), a service not opened or taken back, a wrong
# place said with 不对/不是地方, regional forms (冇得, 唔系我哋嘅, 俺这旮沓); a place pointed to
# by a walk and a distance (您直接走过去，税务大厅，很近), after a landmark's outside, an office
# named after "the one in charge" (主管税务所).
@pytest.mark.parametrize("line", [
    "表格不在我手边，您稍等，我去取一张", "发票不在我手上，等一下我去取",
    "这个单子不在我手上，我找同事拿过来，您稍等", "资料不在我电脑里，我去内网调一下，您等等",
    "表在柜子里，不在我这儿，您等会儿我去拿", "章不在我们这儿，得等主任回来盖，您坐一下",
    "钥匙不在我们这里，同事马上送来"])
def test_a_wait_or_staff_going_for_the_thing_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("line", ["这个不归我们管，您稍等", "我们这儿办不了这个，您等着也没用"])
def test_what_is_not_ours_stays_a_deflection_beside_a_wait(scorer, line):
    assert _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("then", ["您在旁边等一等", "您在门口那椅子上坐会儿", "您出门随便问问"])
def test_where_the_citizen_waits_or_asks_around_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("deflection", [
    "这事归口的科室并不是我们", "这种情况不是前台能解决的", "您这个要求不是柜台能定的",
    "我们这儿不具备办这个的条件", "这事我们这做不得主", "这个业务我们这里停办了",
    "您这个情况，我们这边没有办法受理", "这项服务我们网点不开", "这块儿早就收回去了",
    "这个平台我们登不进去", "您问的不是地方，这里是收费的", "您找的不对地方",
    "这个嘛，俺这旮沓不办", "这个冇得搞，唔系我哋管嘅"])
def test_deflections_by_owner_counter_kind_opening_wrong_place_or_regional_form(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("then", [
    "您去主管税务所问问", "您沿着走廊往里，尽头那间", "您直接走过去，税务大厅，很近",
    "东门外头的报刊亭旁边就是", "南门外边那个服务站能办", "您跑过去，社保所，就几步"])
def test_directions_by_a_walk_a_distance_a_landmark_or_the_office_in_charge(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


# A third batch written here after the first round (session 10): 18/24 deflections, 26/26
# waits, 19/19 directions and 8/9 pointers to nowhere right before the classes below.
@pytest.mark.parametrize("deflection", [
    "我们这边只做对私业务，您这是对公的", "这个归属于其他单位", "这事跟我们扯不上关系",
    "这个我们是一点办法都没有", "唔好意思，我哋呢度唔办呢样嘢",
    "嗯，这个呢，不在咱这儿办理"])                # 咱 after 在 is no one doing it
def test_only_ours_belonging_elsewhere_no_bearing_no_way_or_cantonese(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("line", ["不好意思您稍等，笔不在我这，我借一支", "公章没在我这儿，您坐会儿",
                                  "我这边查不到您的记录，稍等我换个系统查"])
def test_a_thing_not_at_hand_or_a_record_not_found_beside_a_wait_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


def test_searching_for_where_is_no_direction(scorer):
    assert _turned_away(scorer, "这个我们这儿办不了", "您自己上网搜搜看哪能办")


# Wordings written here (session 10, helper `tellonce`), apart from every bench set: each
# class the eighth set showed unread, in other words; every one below but the guards fails
# on main 505e333.
@pytest.mark.parametrize("line", [
    "您还差三个本子，头一个是不动产权证书", "少两张表，有一张是家庭情况登记表",     # a kind word after
    "两三份证明您没拿，比方说收入证明", "还缺俩本子呢，结婚证算一个",          # the measure: a count
    "一共要五个本本，您就拿了户口簿", "您这儿缺三个件儿，先补个暂住登记表"])
def test_fewer_named_than_a_count_said_with_a_kind_word(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", ["您这一摞没凑齐", "您带来的没拿够", "资料没弄全乎", "你这边还没备够",
                                  "东西没收拾全", "您这摞单子不完整"])
def test_missing_and_none_named_said_of_what_was_brought(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("line", [
    "系统这边要车辆年检合格标志，您得补",   # a thing of no known ending, its lack in the next clause
    "拿手机扫一下这个码", "提交了，走流程吧", "还差两张照片", "您这个时间不够，下午再来",  # guards
    "邮寄的话需要另外付快递费", "我差点什么都忘了", "您对照告知单准备吧"])
def test_a_thing_named_or_no_lack_of_a_thing_is_not_missing_with_none_named(scorer, line):
    assert not _told(scorer, line)


@pytest.mark.parametrize("back", [
    "户口簿，另一个是暂住证明，我都带着呢，上午那个居住证",   # 另一个是: a list, no other matter
    "我接着办上午的居住证，户口簿带着呢", "头先来过一回，户口簿有了"])   # guards
def test_a_return_told_by_an_earlier_part_of_the_day(scorer, back):
    assert _returned(scorer, back, "户口簿可以，还得有租房合同")


@pytest.mark.parametrize("told", ["户口簿有了，不过缴费现金也得带", "户口簿行了，房屋租赁备案您还没给"])
def test_a_return_told_a_thing_of_no_known_ending(scorer, told):
    assert _returned(scorer, "上午来过，户口簿带来了", told)


@pytest.mark.parametrize("told", ["户口簿收到了，走流程吧", "户口簿齐了，拿手机扫这个", "户口簿呢？上午我写给您了",
                                  "户口簿可以，我再核对一遍信息"])
def test_a_return_done_used_reminded_or_checked_is_nothing_new(scorer, told):
    assert not _returned(scorer, "上午来过，东西带来了", told)


@pytest.mark.parametrize("business, morning, back, told", [
    ("我要办户口迁移", "另外还得身份证", "上午来办过户口迁移，东西拿来了", "嗯，身份证有了，可还缺准迁证"),
    ("想问一下住院登记怎么办", "住院证得拿过来", "上午来办过住院登记，东西拿来了", "这个不行，还要医保卡")])
def test_a_return_named_by_its_business_is_the_same_business(scorer, business, morning, back, told):
    """The customer's words find the visit returned to by the things named; a business said
    in nouns (户口迁移) is no thing brought, or the morning's visit would be unlike this one."""
    said = [("staff", "您好"), ("customer", business), ("staff", morning), ("staff", "再见"),
            ("staff", "您好"), ("customer", back), ("staff", told), ("staff", "再见")]
    lines = [Utterance(5 * n + (7200 if n >= 4 else 0), 5 * n + 3 + (7200 if n >= 4 else 0),
                       role, text, visit="v1" if n < 4 else "v2")
             for n, (role, text) in enumerate(said)]
    assert any(f.rule == "tell_once" and f.text == told
               for v in scorer.score(lines, window="W01").visits for f in v.findings)


# Wordings written here (session 11, helper `firstasked`), apart from every bench set: the
# classes the ninth set showed unread, in other words; every one below but the guards fails
# on main 78157aa.
@pytest.mark.parametrize("deflection", [
    # the counter said of one kind and the matter of another, or not fitting
    "我们是做对公的，您这是私人的事儿", "咱们是负责开户的，您这属于理财的", "这是结算那一块的，我们是挂号的",
    "咱们这是发票窗口，您这个属于报销那块的", "我们只办本街道的，您不在这片", "我们只管门诊收费，住院的您这个对不上",
    # not permitted, not applicable, outside the counter's own scope (本站, 本处) or area
    "规定上不准我们这边办这个", "领导没同意我们科室受理这类", "这类情况不适用本窗口", "这事超出本站的职责了",
    "这件不在本处的职责范围里", "此类业务我们一律不予受理", "我们只能管本县的", "审批您得另外走",
    # a service withdrawn, a stand-in refused, a tool that will not, a regional no
    "这种业务早就撤销了", "没这项服务啦，早停了", "别的单位的章我们代替不了", "我们最多帮您收下，收了也只能退回去",
    "电脑上这项我们是灰的，选不了", "阿拉勿弄搿个", "呢件事唔喺我哋度做", "这个我们电脑里点不开，说明不是我们的"])
def test_deflections_by_kind_permission_scope_withdrawal_or_a_regional_no(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


@pytest.mark.parametrize("line", [
    "我们只受理本市户籍的，您是本市的对吧", "上面不准我们收现金，您扫码", "我们这边不收手续费",
    "我们是按顺序叫号的，您这是十二号", "我们这儿是办社保的，您这个是社保卡补办的事",       # guards from here
    "我们只能办本区的，您是本区的吧？", "我们这边只能退回给您重新填", "您的预约已经取消了"])
def test_a_kind_shared_asked_a_way_to_pay_or_a_form_returned_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("then", [
    "税务大厅，门口有个大牌子", "税务局，门口有块牌子", "出了电梯正对着那个就是", "楼梯上去正对着的那间",
    "您手机下载个个税的应用", "您装个社保局的软件", "您跟派出所打个电话问问", "顺着马路一直往前，社保所在路边"])
def test_a_place_by_its_look_a_sign_a_way_out_an_app_or_a_call_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["您给他们去个电话吧", "您给相关部门打个电话", "您去外地办吧"])  # guards
def test_a_call_or_a_place_with_no_name_of_its_own_is_no_direction(scorer, then):
    assert _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("line", ["我们这还要一份无责任事故证明", "我们没收到您的授权书", "阿拉还要无犯罪责任声明的"])
def test_a_papers_name_beginning_with_a_scope_word_is_no_deflection(scorer, line):
    assert not _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("then", ["区税务局，地铁三号线直达", "社保中心,就是白色的那栋楼"])
def test_a_place_reached_by_transit_or_set_off_by_a_typed_comma_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


@pytest.mark.parametrize("then", ["我跟您说个地址：区税务局办税大厅", "不动产中心离这儿也就两公里",
                                  "出入境大厅周六也开门", "我让社保科的同事回复您", "我帮您给医保科发个消息"])
def test_a_place_told_how_far_or_when_open_or_a_message_passed_on_is_a_direction(scorer, then):
    assert not _turned_away(scorer, "这个我们这儿办不了", then)


# The tenth set's misses, by class (session 12), in wordings written here.
@pytest.mark.parametrize("deflection", ["谁跟您讲这归我们管的？我们真不管", "这怎么能是我们办的呢",
                                        "我们要是能管还能不给您管吗？这块不归我们"])
def test_the_counters_handling_asked_back_as_absurd_turns_away(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


def test_a_deflection_gainsaid_is_still_none(scorer):  # a guard
    assert not _turned_away(scorer, "谁说不归我们管？我们这就给您办", "请慢走")


@pytest.mark.parametrize("line", ["还差三页材料噻，户口簿一个", "不够，办理不了", "你这还差得远嘛"])
def test_a_count_closed_by_a_particle_or_a_lack_with_none_named_is_told_once(scorer, line):
    assert _told(scorer, line)


@pytest.mark.parametrize("back", ["吃过午饭来的，户口簿带了", "户口簿，顺带结婚证都拿来了"])
def test_a_return_said_by_a_thing_brought_or_a_list_joined_by_also(scorer, back):
    assert _returned(scorer, back, "还得有租房合同")


def test_also_asking_another_matter_is_no_return(scorer):  # a guard
    assert not _returned(scorer, "户口簿带了，顺便问下社保卡怎么办", "还得有租房合同")


def test_none_named_then_the_list_to_hand_in_is_told_once(scorer):
    assert not _found(scorer, "tell_once", [
        ("staff", "您这材料少了"), ("customer", "缺啥"), ("staff", "请您补交户口簿，还有结婚证"),
        ("customer", "好"), ("staff", "再见")])


# The eleventh set's classes (session 12), in wordings written here.
@pytest.mark.parametrize("line", ["社保所讲不管？社保所不管，我们管", "那边不受理，咱这边受理嘛",
                                  "楼上说不办的？楼上不办，我来办"])
def test_there_not_we_do_says_it_is_ours(scorer, line):
    assert not _found(scorer, "first_asked", [("customer", "楼上说不归他们"), ("staff", line),
                                              ("staff", "身份证给我")])


def test_we_do_asked_back_then_refused_turns_away(scorer):  # a guard
    assert _turned_away(scorer, "我们管？我们不管这个", "请慢走")


@pytest.mark.parametrize("deflection", ["我已经问过我们主任了，这事不归我们", "我打电话问了处长，处长讲不是我们这儿的"])
def test_whom_staff_asked_already_turns_away_with_no_place(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


def test_a_photo_too_poor_is_no_lack_told(scorer):
    assert not _told(scorer, "您这张一寸照像素不够，我这边给您重新拍")


def test_asked_to_show_papers_on_return_is_not_told_more(scorer):
    assert not _returned(scorer, "户口簿拿来了", "请出示证件并说说您办什么")
    assert not _returned(scorer, "户口簿拿来了", "您把手机拿出来，我扫个码")


@pytest.mark.parametrize("morning, back", [
    ("还缺航班行程单", "航班行程单弄好了，又来打扰您"), ("还缺户口簿", "我替我爸来的，户口簿在这儿"),
    ("还缺户口簿", "上午来过，户口簿，另外有个结婚登记审核表也补上了"),
    ("还缺胸部CT片子", "下午又来了，胸部CT片子拿来了")])
def test_a_return_said_by_a_thing_done_or_here_or_listed_with_another(scorer, morning, back):
    assert _returned(scorer, back, "还得有租房合同", morning=morning)


def test_another_matter_after_another_is_still_no_return(scorer):  # a guard
    assert not _returned(scorer, "上午来过，户口簿带来了，另外还想问问社保卡", "还得有租房合同")


# The eleventh set's rest (session 13), in wordings written here.
@pytest.mark.parametrize("morning", ["您别急着写，先听我讲完：户口簿", "您要是有户口簿，马上就能办",
                                     "还得……呃……户口簿"])
def test_a_morning_list_after_a_colon_a_condition_or_a_pause_then_more_is_told_more(scorer, morning):
    assert _returned(scorer, "上午来过，户口簿带来了", "户口簿可以，还缺租房合同", morning=morning)


def test_still_one_more_said_in_cantonese_is_more(scorer):
    assert _found(scorer, "tell_once", [("staff", "还缺户口簿"), ("customer", "好"),
                                        ("staff", "您稍等"), ("customer", "嗯"),
                                        ("staff", "仲有租房合同啊，唔好意思"), ("staff", "再见")])


def test_an_arbitration_is_no_more(scorer):  # a guard
    assert not _found(scorer, "tell_once", [("staff", "还缺户口簿"), ("customer", "好"),
                                            ("staff", "您稍等"), ("customer", "嗯"),
                                            ("staff", "仲裁申请书是另一件事"), ("staff", "再见")])


def test_a_thing_of_no_known_ending_told_then_is_no_new_thing(scorer):
    assert _returned(scorer, "上午来过，旧的路由器这回带了", "旧的路由器对了，还缺租房合同",
                     morning="您回去把旧的路由器找出来")


@pytest.mark.parametrize("back", ["我返嚟啦，户口簿带咗", "户口簿带咗"])
def test_a_return_said_in_cantonese(scorer, back):
    assert _returned(scorer, back, "户口簿可以，还缺租房合同")


@pytest.mark.parametrize("deflection", ["这个我们窗口不得办", "这一块早就不是我们的了"])
def test_cannot_in_sichuanese_or_not_ours_any_more_turns_away(scorer, deflection):
    assert _turned_away(scorer, deflection, "请慢走")


def test_told_already_said_officially_is_a_reminder(scorer):  # 告知, 仍未
    assert not _returned(scorer, "户口簿拿来了", "上午已告知的租房合同，仍未提交",
                         morning="需补正户口簿，附带租房合同")


# The twelfth set's classes, first_asked (session 13, helper t12fa), in wordings written here.
@pytest.mark.parametrize("line", ["户口本和照片不到，这业务办不了", "原件没到的话，这边受理不了", "资料没凑齐，受理不了"])
def test_papers_not_here_yet_are_a_lack_not_a_deflection(scorer, line):
    assert not _found(scorer, "first_asked", [("staff", line), ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("line", ["他们不受理我们受理", "说不归窗口管？不，这就是我们窗口的事", "这个我们不得不办"])
def test_the_others_no_answered_by_ours_or_a_must_is_no_deflection(scorer, line):
    assert not _found(scorer, "first_asked", [("customer", "楼下说你们不管这个"), ("staff", line),
                                              ("customer", "好吧"), ("staff", "再见")])


@pytest.mark.parametrize("line", ["这个我们办不到，您去那边问问", "这事办不了，报告没到我们这"])
def test_a_no_not_about_papers_stays_a_deflection(scorer, line):  # guards
    assert _turned_away(scorer, line, "请慢走")


@pytest.mark.parametrize("line", ["前面那位说能办是他搞错了，这个我们不受理", "我以为能办，科长说这个我们这儿不受理",
                                  "我对照了一下清单，这个我们这里不办", "这个不对我们这个口，办不成"])
def test_a_wrong_claim_that_it_can_be_done_or_a_list_staff_checked_stays_a_deflection(scorer, line):
    assert _turned_away(scorer, line, "请慢走")


# The twelfth set's classes, tell_once (session 13, helper t12to), in wordings written here.
@pytest.mark.parametrize("line", ["您核一下，单子上这些信息对不对", "这些证件齐不齐您再瞧瞧",
                                  "材料对不对您自己看看", "您看下表上的信息有没有错"])
def test_asking_whether_it_is_right_says_nothing_missing(scorer, line):
    assert not _told(scorer, line)


@pytest.mark.parametrize("line", ["这些材料不对", "证件不齐"])
def test_saying_it_is_not_right_still_is(scorer, line):  # guards
    assert _told(scorer, line)


@pytest.mark.parametrize("told", ["户口簿原件您上午记下的，没带？", "户口簿原件是您早上记住的，怎么又漏了"])
def test_a_reminder_of_what_the_customer_noted_is_not_new(scorer, told):
    """Told 户口簿 in the morning, reminded of 户口簿原件: the names do not meet, the
    reminder (what the customer noted then) says it was told."""
    assert not _returned(scorer, "上午来过，结婚证拿来了", told, morning="还缺结婚证和户口簿")
    assert _returned(scorer, "上午来过，结婚证拿来了", "还差户口簿原件",  # guard
                     morning="还缺结婚证和户口簿")


def test_a_receipt_handed_over_on_a_return_is_nothing_new(scorer):
    assert not _returned(scorer, "上午来过，户口簿拿来了", "回执单您拿好，慢走")
    assert not _returned(scorer, "上午来过，户口簿拿来了", "您拿好回执单，慢走")


@pytest.mark.parametrize("back", ["又见着您了，居住证的户口簿带着", "又碰到您了，办居住证"])
def test_a_return_said_by_meeting_the_clerk_again(scorer, back):
    assert _returned(scorer, back, "还要结婚证")
