"""Rating pressure (诱导好评) and the rating prompt (issue 22): a major finding of its own
lexicon; the neutral invitation is required where the hall has rating devices, and never
counts as pressure."""
from __future__ import annotations

import pytest

from monitor import profiles
from monitor.pipeline import Scorer
from tests.conftest import utt


@pytest.fixture(scope="module")
def device_scorer() -> Scorer:
    return Scorer.load("general", rating_device=True)


def findings(scorer, lines, rule):
    session = scorer.score(lines)
    return [f for v in session.visits for f in v.findings if f.rule == rule]


VISIT = [utt(0, 2, "staff", "您好，请问办理什么业务？"), utt(3, 5, "customer", "我来开证明"),
         utt(6, 9, "staff", "好的，已经办好了")]
GOODBYE = utt(20, 22, "staff", "请慢走")


@pytest.mark.parametrize("line", ["办好了，麻烦您给个好评", "您点一下非常满意就行",
                                  "给我打个五星呗", "千万别给差评啊"])
def test_staff_asking_for_a_good_rating_is_a_major_finding(scorer, line):
    [found] = findings(scorer, VISIT + [utt(10, 13, "staff", line), GOODBYE], "rating_pressure")
    assert found.severity == "major" and found.category == "诱导好评"
    assert "诱导好评" in found.detail


@pytest.mark.parametrize("line", ["请您对我的服务作出评价", "请您对我的服务进行评价",
                                  "评价器上有非常满意、满意、基本满意、不满意、非常不满意，您如实选",
                                  "好评差评都请如实评价", "谢谢您的好评"])
def test_the_neutral_prompt_is_never_pressure(scorer, line):
    assert findings(scorer, VISIT + [utt(10, 13, "staff", line), GOODBYE],
                    "rating_pressure") == []


def test_a_customer_who_says_it_breaks_no_rule(scorer):
    lines = VISIT + [utt(10, 13, "customer", "我肯定给你好评，非常满意"), GOODBYE]
    assert findings(scorer, lines, "rating_pressure") == []


def test_the_prompt_is_required_only_where_the_hall_has_rating_devices(scorer, device_scorer):
    assert findings(scorer, VISIT + [GOODBYE], "rating_prompt") == []
    [missing] = findings(device_scorer, VISIT + [GOODBYE], "rating_prompt")
    assert missing.severity == "minor" and missing.text == "请慢走"
    invited = VISIT + [utt(10, 13, "staff", "请您对我的服务作出评价"), GOODBYE]
    assert findings(device_scorer, invited, "rating_prompt") == []


def test_hall_toml_rating_device_turns_the_prompt_on_for_score(tmp_path, run, write_jsonl):
    hall = tmp_path / "hall.toml"
    hall.write_text("[ratings]\ndevice = true\n", encoding="utf-8")
    rows = [{"start": u.start, "end": u.end, "role": u.role, "text": u.text}
            for u in VISIT + [GOODBYE]]
    result = run("score", write_jsonl(rows), "--db", tmp_path / "c.db", "--config", hall,
                 "--json")
    assert "rating_prompt" in result.output
    assert profiles.load("general", rating_device=True).rules.settings["rating_prompt"].enabled
    assert not profiles.load("general").rules.settings["rating_prompt"].enabled
