"""Norms written as data (lexicons/rules/*.toml) through the real engine, and the rule
format's checks: every mistake is one error naming the file, the rule and the field."""
import pytest

from monitor import profiles, ruledata
from monitor.errors import InputError
from monitor.pipeline import Scorer
from monitor.visits import Call

from .conftest import utt

GREET = utt(0, 3, "staff", "您好，请问您办理什么业务")


def findings(scorer, *lines, queue=()):
    return [(f.rule, f.text) for v in scorer.score(list(lines), window="W01", queue=queue).visits
            for f in v.findings if f.rule in ("first_asked", "tell_once", "wait_length")]


@pytest.mark.parametrize("said", ["这个不是我们这儿办的", "不归我们管", "我们这里办不了",
                                  "你走错窗口了", "这不是我们窗口的业务", "这个我们管不了"])
def test_a_deflection_without_a_direction_is_first_asked(scorer, said):
    assert findings(scorer, GREET, utt(4, 6, "customer", "我想补办社保卡"),
                    utt(7, 10, "staff", said), utt(11, 13, "customer", "那怎么办"),
                    utt(14, 16, "staff", "我也说不好")) == [("first_asked", said)]


@pytest.mark.parametrize("direction", ["请到三号窗口办理", "您去二楼社保科问问", "我带您过去",
                                       "这个归社保科管", "您可以在网上办"])
def test_a_direction_in_the_same_or_next_staff_turn_keeps_first_asked(scorer, direction):
    same = findings(scorer, GREET, utt(7, 12, "staff", f"这个不是我们这儿办的，{direction}"))
    nxt = findings(scorer, GREET, utt(7, 10, "staff", "这个不是我们这儿办的"),
                   utt(11, 12, "customer", "啊"), utt(13, 16, "staff", direction))
    assert same == nxt == []


def test_a_direction_two_staff_turns_later_is_too_late(scorer):
    assert findings(scorer, GREET, utt(7, 10, "staff", "这个不是我们这儿办的"),
                    utt(11, 13, "staff", "您先看看材料"), utt(14, 17, "staff", "请到三号窗口办理")
                    ) == [("first_asked", "这个不是我们这儿办的")]


FIRST = [GREET, utt(4, 6, "customer", "我想办理居住证"),
         utt(7, 11, "staff", "您还需要带户口本过来，下次带上再办"), utt(12, 14, "staff", "请慢走")]


def again(second_ask: str, customer: str = "我上午来过，办理居住证的户口本带来了"):
    return [utt(300, 303, "staff", "您好，请问您办理什么业务"), utt(304, 308, "customer", customer),
            utt(309, 313, "staff", second_ask), utt(314, 316, "staff", "请慢走")]


def test_tell_once_a_return_asked_for_something_not_asked_for_before(scorer):
    asked = "户口本带了，还需要两张照片"
    assert findings(scorer, *FIRST, *again(asked)) == [("tell_once", asked)]


def test_tell_once_not_for_a_return_done_another_matter_or_another_customer(scorer):
    assert findings(scorer, *FIRST, *again("户口本带了，好的，马上给您办")) == []
    assert findings(scorer, *FIRST, *again("还需要两张照片", customer="我上午来过，那个办好了，现在想办护照")) == []
    assert findings(scorer, *FIRST, *again("还需要两张照片", customer="我想办理居住证")) == []
    assert findings(scorer, *FIRST, *again("户口本还是没带啊，上午说过要的")) == []
    assert findings(scorer, *FIRST) == []


def test_tell_once_reads_the_queue_business_type(scorer):
    queue = [Call("W01", 0.0, 20.0, "A001", "户籍"), Call("W01", 299.0, 320.0, "A031", "户籍")]
    other = [Call("W01", 0.0, 20.0, "A001", "户籍"), Call("W01", 299.0, 320.0, "B002", "社保")]
    lines = [*FIRST, *again("还需要两张照片", customer="又是我")]
    assert findings(scorer, *lines, queue=queue) == [("tell_once", "还需要两张照片")]
    assert findings(scorer, *lines, queue=other) == []


@pytest.mark.parametrize("told,found", [
    ("材料不齐，下次带齐了再来", True),  # none named
    ("还要三样：户口本，还有身份证", True),  # fewer listed than said
    ("还要三样：户口本、身份证和两张照片", False),
    ("还需要户口本、身份证复印件和两张照片", False),
])
def test_tell_once_within_one_visit(scorer, told, found):
    lines = [GREET, utt(4, 6, "customer", "我想办理居住证"), utt(7, 12, "staff", told),
             utt(13, 15, "customer", "好的"), utt(16, 18, "staff", "请慢走")]
    assert findings(scorer, *lines) == ([("tell_once", told)] if found else [])


def test_tell_once_one_more_asked_for_later_in_the_visit(scorer):
    lines = [GREET, utt(4, 6, "customer", "我想办理居住证"), utt(7, 10, "staff", "还需要户口本"),
             utt(60, 62, "customer", "户口本拿来了"), utt(63, 65, "staff", "您核对一下名字"),
             utt(66, 69, "staff", "哎，身份证也要的")]
    assert findings(scorer, *lines) == [("tell_once", "哎，身份证也要的")]
    listed = [GREET, utt(7, 10, "staff", "材料不全"), utt(11, 12, "customer", "要什么"),
              utt(13, 17, "staff", "还需要户口本和身份证")]
    assert findings(scorer, *listed) == []


def test_wait_length_only_where_the_profile_asks():
    lines = [GREET, utt(4, 6, "staff", "请稍等"), utt(7, 9, "customer", "好"),
             utt(10, 12, "staff", "您好了")]
    hospital, general = Scorer.load("hospital"), Scorer.load("general")
    assert findings(hospital, *lines) == [("wait_length", "请稍等")]
    assert findings(general, *lines) == []
    told = [GREET, utt(4, 8, "staff", "请稍等，大约五分钟")]
    assert findings(hospital, *told) == []


def write(tmp_path, text):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '''[[rules]]
id = "mine"
name = "测试"
prompt = "请注意"
norm = "测试规范"
detail = "说了「{quote}」"
[rules.when]
role = "staff"
'''


@pytest.mark.parametrize("change,field", [
    (('role = "staff"', 'role = "boss"'), "when.role"),
    (('role = "staff"', 'kind = "nonsense"'), "when.kind"),
    (('role = "staff"', 'regex = "(("'), "when.regex"),
    (('role = "staff"', 'first = -1'), "when.first"),
    (('role = "staff"', 'sometimes = true'), "when.sometimes"),
    (('role = "staff"', 'followed = { role = "staff" }'), "when.followed"),
    (('role = "staff"', 'count = { role = "staff" }'), "when.count"),
    (('name = "测试"', 'name = ""'), "name"),
    (('{quote}', '{nothing}'), "detail"),
    (('id = "mine"', 'id = "greeting"'), "id"),
    (('detail =', 'severity = "awful"\ndetail ='), "severity"),
    (('detail =', 'colour = "red"\ndetail ='), "colour"),
    (('detail =', 'labels = { nowhere = "无此参数" }\ndetail ='), "labels.nowhere"),
])
def test_every_mistake_names_the_file_the_rule_and_the_field(tmp_path, change, field):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError) as caught:
        profiles.check_rules(path)
    assert caught.value.field == field and caught.value.path == str(path)
    assert "mine" in str(caught.value) or field == "id"


def test_an_unknown_parameter_is_named(tmp_path):
    path = write(tmp_path, GOOD.replace('role = "staff"', 'louder = "$loudness"'))
    with pytest.raises(InputError, match=r"\$loudness"):
        profiles.check_rules(path)
    ok = write(tmp_path, GOOD.replace('role = "staff"', 'louder = "$max_dbfs"'))
    [rule] = profiles.check_rules(ok)[0]
    assert rule.when.op == "louder" and rule.when.value == "$max_dbfs"


def test_the_shipped_rules_and_profiles_hold():
    found, names = profiles.check_rules()
    assert {"first_asked", "tell_once", "wait_length"} <= {r.id for r in found}
    assert "general" in names
    assert ruledata.words()["first_asked"].norm == "首问负责"


def test_cli_rules_check_exits_non_zero_with_one_line(tmp_path):
    from click.testing import CliRunner

    from monitor.cli import cli
    bad = write(tmp_path, GOOD.replace('role = "staff"', 'role = "boss"'))
    result = CliRunner().invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1 and "when.role" in result.output
    assert "Traceback" not in result.output
    assert CliRunner().invoke(cli, ["rules", "check"]).exit_code == 0


def test_a_parameter_is_shown_by_its_chinese_label(tmp_path):
    from monitor import ruletext
    path = write(tmp_path, GOOD.replace('role = "staff"', 'louder = "$max_dbfs"').replace(
        'detail =', 'labels = { max_dbfs = "音量上限" }\ndetail ='))
    [rule] = profiles.check_rules(path)[0]
    shown = " ".join(text for _, text in ruletext.describe(rule, {"max_dbfs": -6.0}))
    assert "音量高于 -6 dBFS（参数 「音量上限」）" in shown and "max_dbfs" not in shown
