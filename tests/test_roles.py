"""Roles told apart by voice on one pickup microphone: a finding resting on an unsure role
counts nothing, turns no light red and waits for a person; the role is shown as heard."""
import io
import json
import sqlite3
from datetime import datetime

import pytest

from monitor import profiles, replay, reports, review, roles, terminal
from monitor.accounts import add_user
from monitor.alerts import Lights
from monitor.config import Hall
from monitor.errors import InputError
from monitor.live import LiveSession, play
from monitor.storage import Store
from monitor.web.review import queue_view

from .conftest import utt
from .test_web import PASSWORD, login
from .test_web_replay import make_client

AT = datetime(2026, 11, 20, 9, 0).astimezone()


def pickup(taboo_role="staff", taboo_sure=0.62):
    """A visit heard on one microphone; the customer's 你烦不烦 may be given to staff."""
    return [utt(0, 2, "staff", "您好，请问您办理什么业务", role_confidence=0.93),
            utt(2.5, 4.5, "customer", "我想办一下身份证", role_confidence=0.9),
            utt(5, 7, taboo_role, "你烦不烦啊", role_confidence=taboo_sure),
            utt(8, 10, "staff", "好的，请您慢走", role_confidence=0.95)]


def taboos(visit):
    """A visit's taboo findings (a scored `Visit`, or an `Effective` result: those counted)."""
    found = visit.counted if hasattr(visit, "counted") else visit.findings
    return [f for f in found if f.rule == "taboo"]


def test_a_taboo_on_an_unsure_staff_role_waits_for_a_person(scorer):
    [visit] = scorer.score(pickup(), window="W1").visits
    [taboo] = taboos(visit)
    assert taboo.severity == "critical" and taboo.role_confidence == 0.62
    assert "角色待确认：可能是顾客所说" in taboo.detail
    assert visit.verdict == "pass"  # counts nothing until a person confirms it


def test_a_taboo_on_a_sure_staff_role_fails_the_visit(scorer):
    [visit] = scorer.score(pickup(taboo_sure=0.85), window="W1").visits
    [taboo] = taboos(visit)
    assert taboo.role_confidence is None and visit.verdict == "fail"


def test_roles_given_by_channel_judge_as_before(scorer):
    lines = [utt(u.start, u.end, u.role, u.text) for u in pickup()]
    [visit] = scorer.score(lines, window="W1").visits
    assert visit.verdict == "fail" and all(f.role_confidence is None for f in visit.findings)


def test_a_taboo_heard_as_an_unsure_customer_is_queued_but_never_counts(scorer):
    [visit] = scorer.score(pickup("customer", 0.6), window="W1").visits
    [taboo] = taboos(visit)
    assert "可能是工作人员所说" in taboo.detail and visit.verdict == "pass"
    [visit] = scorer.score(pickup("customer", 0.95), window="W1").visits
    assert taboos(visit) == []  # a customer surely heard breaks no rule


def test_an_interruption_between_unsure_roles_does_not_count(scorer):
    lines = [utt(0, 2, "staff", "您好，请问您办理什么业务"),
             utt(2.5, 8, "customer", "我想办一下身份证，我的旧证丢了", role_confidence=0.7),
             utt(4, 6, "staff", "身份证要带户口本", role_confidence=0.7),
             utt(9, 10, "staff", "好的，请您慢走")]
    [visit] = scorer.score(lines, window="W1").visits
    [cut] = [f for f in visit.findings if f.rule == "interruption"]
    assert cut.role_confidence == 0.7
    assert visit.score == 100 - sum(f.deduction for f in visit.findings if f is not cut)


def test_an_unanswered_question_rests_on_what_was_said_while_due(scorer):
    lines = [utt(0, 2, "staff", "您好"),
             utt(3, 5, "customer", "请问身份证怎么办？"),
             utt(6, 8, "customer", "身份证要带户口本", role_confidence=0.55),
             utt(20, 22, "staff", "请您慢走")]
    [visit] = scorer.score(lines, window="W1").visits
    [unanswered] = [f for f in visit.findings if f.rule == "answer"]
    assert unanswered.role_confidence == 0.55  # that line may have been the staff's answer


def test_how_sure_a_role_must_be_is_a_profile_option(tmp_path):
    assert profiles.load("general").rules.role_sure_at == 0.8
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "strict.toml").write_text('[profile]\nname = "strict"\nextends = "x"\n'
                                        '[rules]\nrole_sure_at = 0.95\n', encoding="utf-8")
    (folder / "x.toml").write_text('[profile]\nname = "x"\n', encoding="utf-8")
    assert profiles.load("strict", tmp_path).rules.role_sure_at == 0.95
    (folder / "bad.toml").write_text('[profile]\nname = "bad"\n[rules]\nrole_sure_at = 1.5\n',
                                     encoding="utf-8")
    with pytest.raises(InputError, match="rules.role_sure_at.*0.5-1"):
        profiles.load("bad", tmp_path)


def test_live_an_unsure_taboo_turns_no_light_red(scorer, db_path):
    store = Store(db_path)
    lights = Lights.for_store(store)
    session = LiveSession(scorer, store, window="W1", started_at=AT)
    shown = []
    for update in play(session, pickup(), on_tick=lambda at: shown.extend(lights.tick(at))):
        shown += lights.update(update)
    lights.close()
    assert "red" not in [e.state for e in shown]
    [stored] = [f for f in store.live_findings(AT.date(), AT.date()) if f.rule == "taboo"]
    assert stored.role_confidence == 0.62 and stored.severity == "critical"


def test_live_a_sure_taboo_still_turns_red(scorer, db_path):
    store = Store(db_path)
    lights = Lights.for_store(store)
    session = LiveSession(scorer, store, window="W1", started_at=AT)
    shown = []
    for update in play(session, pickup(taboo_sure=0.9)):
        shown += lights.update(update)
    lights.close()
    assert "red" in [e.state for e in shown]


@pytest.fixture
def stored(scorer, db_path):
    store = Store(db_path)
    session = scorer.score(pickup(), window="W1", staff="S1", started_at=AT)
    store.save(session)
    return store, session.visits[0].id


def test_the_queue_marks_an_unsure_role_and_a_confirmation_makes_it_count(stored):
    store, visit_id = stored
    [row] = [r for r in queue_view(store, Hall(), AT.date(), None, None, "taboo")]
    assert row["pending"].startswith("角色待确认") and "把握 62%" in row["pending"]
    assert any(line["who"] == "工作人员（声纹判断，把握 62%）" for line in row["context"])
    before = review.effective(store, visit_id)
    assert before.verdict == "pass"
    unchecked = review.reviewed(store, AT.date(), AT.date())  # the report's figures
    assert [v.verdict for v in unchecked.visits] == ["pass"]
    assert not [f for f in unchecked.findings if f.rule == "taboo"]
    review.review(store, row["id"], "confirm", "", "zhang")
    assert review.effective(store, visit_id).verdict == "fail"
    figures = review.reviewed(store, AT.date(), AT.date())
    assert [v.verdict for v in figures.visits] == ["fail"]
    assert [f.rule for f in figures.findings if f.rule == "taboo"] == ["taboo"]


def test_score_json_shows_roles_as_heard(run, write_jsonl, db_path):
    rows = [{"start": u.start, "end": u.end, "role": u.role, "text": u.text,
             "role_confidence": u.role_confidence} for u in pickup()]
    result = run("score", write_jsonl(rows), "--db", db_path, "--json")
    assert result.exit_code == 0, result.stderr
    [visit] = json.loads(result.stdout)["visits"]
    assert visit["verdict"] == "pass"
    [taboo] = [f for f in visit["findings"] if f["rule"] == "taboo"]
    assert taboo["role_confidence"] == 0.62
    assert visit["roles"][2] == {"line": 2, "start": 5.0, "end": 7.0, "role": "staff",
                                 "role_confidence": 0.62,
                                 "label": "工作人员（声纹判断，把握 62%）"}


def test_score_json_of_a_transcript_without_confidence_is_unchanged(run, write_jsonl, db_path):
    rows = [{"start": u.start, "end": u.end, "role": u.role, "text": u.text} for u in pickup()]
    result = run("score", write_jsonl(rows), "--db", db_path, "--json")
    [visit] = json.loads(result.stdout)["visits"]
    assert "roles" not in visit
    assert all("role_confidence" not in f for f in visit["findings"])


# --- a reviewer corrects a role: the visit is judged again with it -------------------------

def test_a_customer_taboo_corrected_to_customer_is_gone(stored):
    store, visit_id = stored
    fix = roles.correct(store, visit_id, 3, "customer", "zhang", "顾客的声音，电话13812345678")
    assert (fix.idx, fix.role, fix.id) == (2, "customer", 1)
    assert roles.history(store, visit_id)[0].note == "顾客的声音，电话138****5678"
    result = review.effective(store, visit_id)
    assert result.verdict == "pass" and "taboo" not in {f.rule for f in result.counted}
    assert any(f.rule == "taboo" for f in store.visit_findings(visit_id))  # machine's stays
    assert not [r for r in queue_view(store, Hall(), AT.date(), None, None, None)
                if r["rule"] == "taboo"]  # nothing left to review
    [entry] = [e for e in store.audit() if e.action == "role"]
    assert entry.actor == "zhang" and entry.target == visit_id


def test_a_staff_taboo_heard_as_customer_corrected_to_staff_counts(scorer, db_path):
    store = Store(db_path)
    store.save(scorer.score(pickup("customer", 0.9), window="W1", staff="S1", started_at=AT))
    [visit] = store.live_visits(AT.date(), AT.date())
    assert visit.verdict == "pass" and not taboos(review.effective(store, visit.id))
    roles.correct(store, visit.id, 3, "staff", "zhang")
    result = review.effective(store, visit.id)
    assert result.verdict == "fail" and [f.role_confidence for f in taboos(result)] == [None]
    figures = review.reviewed(store, AT.date(), AT.date())  # the report's figures
    assert [v.verdict for v in figures.visits] == ["fail"]
    assert [f.id for f in figures.findings if f.rule == "taboo"][0].startswith(roles.PREFIX)
    roles.correct(store, visit.id, 3, "customer", "zhang", "听错了")  # the latest decides
    assert review.effective(store, visit.id).verdict == "pass"
    assert len(roles.history(store, visit.id)) == 2


def test_an_unsure_taboo_corrected_to_staff_counts_without_its_mark(stored):
    store, visit_id = stored
    roles.correct(store, visit_id, 3, "staff", "zhang")
    assert review.effective(store, visit_id).verdict == "fail"
    [row] = [r for r in queue_view(store, Hall(), AT.date(), None, None, "taboo")]
    assert row["pending"] == "" and "角色待确认" not in row["detail"]


def test_role_corrections_are_append_only(stored):
    store, visit_id = stored
    roles.correct(store, visit_id, 3, "customer", "zhang")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("update role_corrections set role = 'staff'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("delete from role_corrections")


@pytest.mark.parametrize("line, role, message", [
    (9, "customer", "共 4 句，没有第 9 句"), (1, "boss", "one of staff, customer")])
def test_a_bad_correction_is_refused_and_stores_nothing(stored, line, role, message):
    store, visit_id = stored
    with pytest.raises(roles.RoleError, match=message):
        roles.correct(store, visit_id, line, role, "zhang")
    assert roles.history(store, visit_id) == [] and not store.audit()


def test_cli_review_role(run, write_jsonl, db_path):
    rows = [{"start": u.start, "end": u.end, "role": u.role, "text": u.text,
             "role_confidence": u.role_confidence} for u in pickup("customer", 0.9)]
    run("score", write_jsonl(rows), "--db", db_path, "--window", "W1",
        "--at", "2026-11-20T09:00")
    visit_id = Store(db_path).live_visits(AT.date(), AT.date())[0].id
    result = run("review", "role", visit_id, "3", "staff", "--db", db_path, "--by", "zhang")
    assert result.exit_code == 0, result.stderr
    assert "第 3 句为工作人员（人工更正）" in result.stdout
    assert "复核后 0.0 不合格（机器判定" in result.stdout and "服务忌语" in result.stdout
    bad = run("review", "role", visit_id, "7", "staff", "--db", db_path)
    assert bad.exit_code == 1 and "没有第 7 句" in bad.stderr


def test_replay_shows_roles_as_heard_and_as_corrected(stored):
    store, visit_id = stored
    roles.correct(store, visit_id, 2, "staff", "zhang")
    lines = replay.load(store, visit_id).lines
    assert [line.who for line in lines] == [
        "工作人员（声纹判断，把握 93%）", "工作人员（人工更正；声纹判断为顾客，把握 90%）",
        "工作人员（声纹判断，把握 62%）", "工作人员（声纹判断，把握 95%）"]
    assert terminal.line_text(lines[2], 0).startswith("00:05.0 工作人员（声纹判断，把握 62%）")


def test_the_web_replay_page_corrects_a_role(stored, db_path, tmp_path):
    store, visit_id = stored
    add_user(store, "zhang", "supervisor", PASSWORD)
    add_user(store, "li", "viewer", PASSWORD)
    client = make_client(db_path, tmp_path)
    token = login(client)
    page = client.get(f"/replay/{visit_id}").text
    assert "工作人员（声纹判断，把握 62%）" in page and "第 3 句是" in page
    back = f"/replay/{visit_id}"
    posted = client.post("/review/role", data={"csrf": token, "visit": visit_id, "line": "3",
                                               "role": "customer", "back": back})
    assert posted.status_code == 302 and posted.headers["Location"].endswith(back)
    page = client.get(f"/replay/{visit_id}").text
    assert "顾客（人工更正；声纹判断为工作人员，把握 62%）" in page
    assert 'data-field="reviewed"' not in page  # the unsure taboo never counted
    forged = client.post("/review/role", data={"visit": visit_id, "line": "3", "role": "staff"})
    assert forged.status_code in (400, 403)
    bad = client.post("/review/role", data={"csrf": token, "visit": visit_id, "line": "x",
                                            "role": "staff"})
    assert bad.status_code == 409 and "句号须为数字" in bad.text
    viewer = make_client(db_path, tmp_path)
    refused = viewer.post("/review/role", data={"csrf": login(viewer, "li"), "visit": visit_id,
                                                "line": "3", "role": "staff"})
    assert refused.status_code == 403 and len(roles.history(store, visit_id)) == 1


def test_the_review_page_marks_an_unsure_role(stored, db_path, tmp_path):
    store, visit_id = stored
    add_user(store, "zhang", "supervisor", PASSWORD)
    client = make_client(db_path, tmp_path)
    login(client)
    page = client.get(f"/review?day={AT.date()}").text
    assert 'data-field="role-pending"' in page and "角色待确认" in page
    assert "工作人员（声纹判断，把握 62%）" in page
    assert "第 3 句其实是" in page  # one click corrects the line the finding rests on


def test_the_report_shows_roles_as_heard_in_context(stored, tmp_path):
    store, visit_id = stored
    [taboo] = [f for f in store.visit_findings(visit_id) if f.rule == "taboo"]
    review.review(store, taboo.id, "confirm", "other", "zhang")  # now an incident
    roles.correct(store, visit_id, 2, "customer", "zhang")
    built = reports.build(store, reports.ReportOptions(first=AT.date(), last=AT.date()), Hall())
    data = reports.to_json(built)
    [incident] = [i for i in data["incidents"] if i["rule"] == "taboo"]
    assert [(c["role_confidence"], c["corrected"]) for c in incident["context"]] == [
        (0.93, ""), (0.9, "customer"), (0.62, ""), (0.95, "")]
    page = reports.render_html(built)
    assert "工作人员（声纹判断，把握 62%）" in page and "顾客（人工更正；声纹判断为顾客，把握 90%）" in page
    out = io.StringIO()
    reports.write_csv(built, out)
    assert "staff（工作人员（声纹判断，把握 62%））: 你烦不烦啊" in out.getvalue()


def test_a_report_of_typed_transcripts_shows_roles_as_before(scorer, db_path):
    store = Store(db_path)
    store.save(scorer.score([utt(u.start, u.end, u.role, u.text) for u in pickup()],
                            window="W1", started_at=AT))
    built = reports.build(store, reports.ReportOptions(first=AT.date(), last=AT.date()), Hall())
    [incident] = reports.to_json(built)["incidents"]
    assert "声纹" not in reports.render_html(built)
    out = io.StringIO()
    reports.write_csv(built, out)
    assert "staff: 你烦不烦啊" in out.getvalue()
    assert all(c["role_confidence"] is None for c in incident["context"])


def test_a_missing_greeting_rests_only_on_lines_heard_as_the_customer(scorer):
    heard_as = {"staff": [utt(0, 2, "staff", "身份证带了吗", role_confidence=0.6)],
                "customer": [utt(0, 2, "customer", "您好", role_confidence=0.6)]}
    [unsure_staff] = scorer.score(heard_as["staff"] + [utt(30, 31, "staff", "请慢走")],
                                  window="W1").visits
    [greeting] = [f for f in unsure_staff.findings if f.rule == "greeting"]
    assert greeting.role_confidence is None  # staff's own words lacked it: counts
    [unsure_customer] = scorer.score(heard_as["customer"] + [utt(30, 31, "staff", "请慢走")],
                                     window="W1").visits
    [greeting] = [f for f in unsure_customer.findings if f.rule == "greeting"]
    assert greeting.role_confidence == 0.6  # that greeting may have been the staff's


def test_a_visits_findings_say_what_counts_by_role(stored):
    from monitor.web.review import visit_view

    store, visit_id = stored
    view = visit_view(store, Hall(), store.visit(visit_id))
    [taboo] = [f for f in view["findings"] if f["label"] == "服务忌语"]
    assert (taboo["counts"], taboo["review"]) == (False, "角色待确认")
    roles.correct(store, visit_id, 3, "customer", "zhang")
    view = visit_view(store, Hall(), store.visit(visit_id))
    [taboo] = [f for f in view["findings"] if f["label"] == "服务忌语"]
    assert (taboo["counts"], taboo["review"]) == (False, "角色已更正，不计")


def test_the_supervisors_board_marks_an_unsure_finding(stored):
    from monitor.records import LightEvent
    from monitor.web.tiles import window_view

    store, visit_id = stored
    event = LightEvent("W1", "green", "off", AT, visit=visit_id)
    texts = [f["text"] for f in window_view(store, event, 5, AT)["findings"]]
    assert any("服务忌语（严重，角色待确认）" in t for t in texts)


def test_the_queue_corrects_the_line_a_finding_rests_on(stored, db_path, tmp_path):
    store, visit_id = stored
    add_user(store, "zhang", "supervisor", PASSWORD)
    client = make_client(db_path, tmp_path)
    token = login(client)
    queue = f"/review?day={AT.date()}"
    posted = client.post("/review/role", data={"csrf": token, "visit": visit_id, "line": "3",
                                               "role": "customer", "back": queue})
    assert posted.status_code == 302 and posted.headers["Location"].endswith(queue)
    page = client.get(queue).text
    assert "角色待确认" not in page and 'data-finding' in page  # the taboo left the queue
    assert "顾客（人工更正；声纹判断为工作人员，把握 62%）" in page  # in another's context
    replayed = client.get(f"/replay/{visit_id}").text
    assert "顾客（人工更正；声纹判断为工作人员，把握 62%）" in replayed
