"""The end-of-day report on a known database: every figure, every format, bad input."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor import reports, transcript
from monitor.cli import cli
from monitor.pipeline import Scorer
from monitor.storage import Store

ARTIFACTS = Path(__file__).parent / "artifacts"

VISIT_GOOD = [  # greeting, a question answered, thanks replied, farewell: 100, pass
    (0.0, 2.7, "customer", "你好 我想办一下身份证"),
    (3.4, 8.1, "staff", "您好，请坐。请问您是第一次办理还是换领？"),
    (8.8, 11.6, "customer", "是换领 原来的过期了"),
    (12.2, 17.9, "staff", "好的，请您出示一下旧身份证和户口本。"),
    (18.9, 22.1, "customer", "户口本没带可以吗"),
    (22.9, 30.6, "staff", "换领身份证只需要旧证就可以，不用户口本，您放心。"),
    (31.2, 34.0, "customer", "好的 多久能拿到呢"),
    (34.6, 41.6, "staff", "大概二十个工作日，到时候会有短信通知您来领取。"),
    (42.4, 44.2, "customer", "好 谢谢你啊"),
    (44.7, 47.8, "staff", "不客气，请慢走，再见。"),
]
VISIT_TABOO = [  # no greeting (major), 你烦不烦 (critical), 排队 without 请 (minor): 0, fail
    (3600.0, 3604.0, "customer", "我的电话是一三八一二三四五六七八"),
    (3604.5, 3607.5, "staff", "你烦不烦啊 后面还有人排队呢"),
    (3608.0, 3611.0, "customer", "你怎么这样说话"),
    (3611.5, 3614.5, "staff", "好的，请慢走，再见。"),
]
VISIT_UNGREETED = [  # no greeting (major -20), last question unanswered (major -15): 65, warn
    (0.0, 2.5, "customer", "你好 我来交电费"),
    (3.0, 5.5, "staff", "请把户号告诉我。"),
    (6.0, 9.0, "customer", "户号是三三零一二八"),
    (9.5, 13.5, "staff", "好的，已经交好了，请慢走，再见。"),
    (14.0, 16.5, "customer", "那发票在哪里拿呢"),
]

HALL = """
replay_url = "http://hall.local:8000"

[windows.W01]
name = "户籍1号窗口"

[windows.W02]
name = "户籍2号窗口"

[staff.S07]
name = "王芳"
"""


def _write(path: Path, visits: list[tuple[str | None, list]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for label, lines in visits:
            for start, end, role, text in lines:
                row = {"start": start, "end": end, "role": role, "text": text}
                if label:
                    row["visit"] = label
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _score(store, scorer, path, window, staff, at, kind="live"):
    session = scorer.score(transcript.read(path), source=str(path), window=window, staff=staff,
                           started_at=datetime.fromisoformat(at + "+08:00"), kind=kind)
    store.save(session)


@pytest.fixture(scope="module")
def hall_db(tmp_path_factory):
    """Five live days around Friday 2026-11-20, plus a practice session that must not count."""
    tmp = tmp_path_factory.mktemp("report")
    scorer = Scorer.load("general")
    two = _write(tmp / "two.jsonl", [("a", VISIT_GOOD), ("b", VISIT_TABOO)])
    good = _write(tmp / "good.jsonl", [(None, VISIT_GOOD)])
    ungreeted = _write(tmp / "ungreeted.jsonl", [(None, VISIT_UNGREETED)])
    store = Store(tmp / "courtesy.db")
    _score(store, scorer, two, "W01", "S07", "2026-11-20T09:00")
    _score(store, scorer, ungreeted, "W02", "S12", "2026-11-20T10:30")
    _score(store, scorer, ungreeted, "W04", "S07", "2026-11-20T11:00", kind="practice")
    _score(store, scorer, good, "W01", "S07", "2026-11-18T09:00")  # previous day with data
    _score(store, scorer, ungreeted, "W03", "S12", "2026-11-16T10:00")  # in the last 7 days
    _score(store, scorer, good, "W02", "S12", "2026-11-12T10:00")  # before them
    store.close()
    (tmp / "hall.toml").write_text(HALL, encoding="utf-8")
    return tmp


def _run(hall_db, *args):
    return CliRunner().invoke(cli, ["report", "--db", str(hall_db / "courtesy.db"),
                                    "--config", str(hall_db / "hall.toml"), *args])


@pytest.fixture(scope="module")
def exported(hall_db):
    result = _run(hall_db, "--date", "2026-11-20", "--format", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _figures(visits, score_avg, passed, warned, failed, greeted, farewelled, questions,
             answered, taboo, findings, greeting_rate, answer_rate, farewell_rate, provisional=0):
    return {"visits": visits, "score_avg": score_avg, "pass": passed, "warn": warned,
            "fail": failed, "greeting_rate": greeting_rate, "answer_rate": answer_rate,
            "farewell_rate": farewell_rate, "taboo_incidents": taboo, "findings": findings,
            "greeted": greeted, "farewelled": farewelled, "questions": questions,
            "answered": answered, "provisional": provisional}


EMPTY = _figures(0, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None)
# (100 + 0 + 65) / 3 = 55.0; greeted 1 of 3; farewell 3 of 3; answered 3 of 4 questions.
DAY = _figures(3, 55.0, 1, 1, 1, 1, 3, 4, 3, 1, 5, 0.3333, 0.75, 1.0)
W01 = _figures(2, 50.0, 1, 0, 1, 1, 2, 3, 3, 1, 3, 0.5, 1.0, 1.0)
W02 = _figures(1, 65.0, 0, 1, 0, 0, 1, 1, 0, 0, 2, 0.0, 0.0, 1.0)
GOOD = _figures(1, 100.0, 1, 0, 0, 1, 1, 2, 2, 0, 0, 1.0, 1.0, 1.0)
UNGREETED = W02


def test_summary_and_comparisons(exported):
    assert exported["message"] is None
    assert exported["summary"] == DAY
    assert exported["comparison"]["previous_day"] == {
        "from": "2026-11-18", "to": "2026-11-18", **GOOD}  # 11-19 has no data
    assert exported["comparison"]["last_7_days"] == {
        "from": "2026-11-13", "to": "2026-11-19",
        **_figures(2, 82.5, 1, 1, 0, 1, 2, 3, 2, 0, 2, 0.5, 0.6667, 1.0)}


def test_windows_and_staff_ranked_and_named(exported):
    assert exported["windows"] == [
        {"rank": 1, "id": "W02", "name": "户籍2号窗口", **W02},
        {"rank": 2, "id": "W01", "name": "户籍1号窗口", **W01},
    ]
    assert exported["staff"] == [
        {"rank": 1, "id": "S12", "name": None, **W02},
        {"rank": 2, "id": "S07", "name": "王芳", **W01},
    ]


def test_rules_how_often_and_where(exported):
    w01 = [{"id": "W01", "name": "户籍1号窗口", "count": 1}]
    w02 = [{"id": "W02", "name": "户籍2号窗口", "count": 1}]
    s07 = [{"id": "S07", "name": "王芳", "count": 1}]
    s12 = [{"id": "S12", "name": None, "count": 1}]
    assert exported["rules"] == [
        {"id": "greeting", "title": "来有迎声", "findings": 2, "visits": 2, "critical": 0,
         "major": 2, "minor": 0, "windows": w01 + w02, "staff": s07 + s12},
        {"id": "answer", "title": "问有答声", "findings": 1, "visits": 1, "critical": 0,
         "major": 1, "minor": 0, "windows": w02, "staff": s12},
        {"id": "please", "title": "请字当头", "findings": 1, "visits": 1, "critical": 0,
         "major": 0, "minor": 1, "windows": w01, "staff": s07},
        {"id": "taboo", "title": "服务忌语", "findings": 1, "visits": 1, "critical": 1,
         "major": 0, "minor": 0, "windows": w01, "staff": s07},
    ]


def test_hours_and_trend(exported):
    hours = {h["hour"]: (h["visits"], h["findings"]) for h in exported["hours"]}
    assert list(hours) == list(range(8, 18))
    assert {h: v for h, v in hours.items() if v != (0, 0)} == {9: (1, 0), 10: (2, 5)}
    assert [d["date"] for d in exported["days"]] == [f"2026-11-{d}" for d in range(14, 21)]
    by_day = {d["date"]: {k: v for k, v in d.items() if k != "date"} for d in exported["days"]}
    assert by_day == {"2026-11-14": EMPTY, "2026-11-15": EMPTY, "2026-11-16": UNGREETED,
                      "2026-11-17": EMPTY, "2026-11-18": GOOD, "2026-11-19": EMPTY,
                      "2026-11-20": DAY}


def test_incidents_with_masked_quotes_in_context(exported):
    incidents = exported["incidents"]
    assert [(i["at"][11:19], i["window"], i["window_name"], i["staff"], i["staff_name"],
             i["rule"], i["severity"]) for i in incidents] == [
        ("10:00:04", "W01", "户籍1号窗口", "S07", "王芳", "greeting", "major"),  # first staff words
        ("10:00:04", "W01", "户籍1号窗口", "S07", "王芳", "taboo", "critical"),
        ("10:30:03", "W02", "户籍2号窗口", "S12", None, "greeting", "major"),
        ("10:30:14", "W02", "户籍2号窗口", "S12", None, "answer", "major"),
    ]
    taboo = incidents[1]
    assert taboo["category"] == "不耐烦" and taboo["text"] == "你烦不烦"
    assert taboo["link"] == f"http://hall.local:8000/replay/{taboo['visit']}"
    assert taboo["visit"].endswith("-b")
    assert [(c["role"], c["text"], c["hit"]) for c in taboo["context"]] == [
        ("customer", "我的电话是一三八****五六七八", False),
        ("staff", "你烦不烦啊 后面还有人排队呢", True),
        ("customer", "你怎么这样说话", False),
        ("staff", "好的，请慢走，再见。", False),
    ]
    answer = incidents[3]
    assert [(c["text"], c["hit"]) for c in answer["context"]] == [
        ("户号是三三零一二八", False), ("好的，已经交好了，请慢走，再见。", False),
        ("那发票在哪里拿呢", True)]


def test_filters_by_window_and_staff(hall_db):
    result = _run(hall_db, "--date", "2026-11-20", "--window", "W01", "-o", "-",
                  "--format", "json")
    data = json.loads(result.stdout)
    assert data["summary"] == W01
    assert data["report"]["window_name"] == "户籍1号窗口"
    assert data["comparison"]["previous_day"]["visits"] == 1
    result = _run(hall_db, "--from", "2026-11-12", "--to", "2026-11-20", "--staff", "S12",
                  "-o", "-", "--format", "json")
    data = json.loads(result.stdout)
    # W02 on the 20th, W03 on the 16th, W02 on the 12th; never the practice session.
    assert data["summary"]["visits"] == 3
    assert data["summary"]["score_avg"] == round((65 + 65 + 100) / 3, 1)
    assert [d["date"] for d in data["days"]][0] == "2026-11-12"
    assert len(data["days"]) == 9


def test_csv_holds_the_same_figures(hall_db, exported):
    result = _run(hall_db, "--date", "2026-11-20", "--format", "csv", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("\ufeffsection,")  # Excel reads UTF-8 with its BOM
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"))))

    def same(row, values):
        for key, value in values.items():
            if key in row and key not in ("rank",):
                assert row[key] == ("" if value is None else str(value)), (row, key)

    sections = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    same(sections["summary"][0], exported["summary"])
    same(sections["previous_day"][0], exported["comparison"]["previous_day"])
    same(sections["last_7_days"][0], exported["comparison"]["last_7_days"])
    for section, key in (("window", "windows"), ("staff", "staff")):
        assert len(sections[section]) == len(exported[key])
        for row, values in zip(sections[section], exported[key]):
            same(row, values)
    for row, values in zip(sections["day"], exported["days"]):
        assert row["id"] == values["date"]
        same(row, {k: v for k, v in values.items() if k != "date"})
    for row, values in zip(sections["rule"], exported["rules"]):
        same(row, {k: v for k, v in values.items() if k not in ("title", "windows", "staff")})
    assert [(r["rule"], r["window"], r["findings"]) for r in sections["rule_window"]] == [
        (rule["id"], place["id"], str(place["count"]))
        for rule in exported["rules"] for place in rule["windows"]]
    assert [(r["id"], r["text"], r["link"]) for r in sections["incident"]] == [
        (i["id"], i["text"], i["link"]) for i in exported["incidents"]]
    assert "一三八****五六七八" in sections["incident"][1]["context"]
    assert len(sections["hour"]) == len(exported["hours"])


def test_empty_day_says_so(hall_db, tmp_path):
    result = _run(hall_db, "--date", "2026-11-21", "-o", str(tmp_path))
    assert result.exit_code == 0
    page = (tmp_path / "courtesy-2026-11-21.html").read_text(encoding="utf-8")
    message = "2026-11-21 没有正式接待记录。此前最近有接待的一天是 2026-11-20。"
    assert message in page and message in result.stderr
    assert 'id="incidents"' not in page and "<svg" not in page
    data = json.loads(_run(hall_db, "--date", "2026-11-21", "--format", "json",
                           "-o", "-").stdout)
    assert data["message"] == message and data["summary"] == EMPTY
    assert data["windows"] == data["incidents"] == data["days"] == []


def test_default_output_is_todays_html_in_reports(hall_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(hall_db)
    assert result.exit_code == 0, result.output
    written = tmp_path / "reports" / f"courtesy-{date.today()}.html"
    assert written.is_file() and f"已写出 {Path('reports') / written.name}" in result.stdout


@pytest.mark.parametrize("args, code, message", [
    (["--date", "2026-13-01"], 2, "'2026-13-01' is not a date like 2026-11-22"),
    (["--from", "2026-11-20", "--to", "2026-11-01"], 1,
     "错误：the period starts (2026-11-20) after it ends (2026-11-01)"),
    (["--format", "xlsx"], 2, "Invalid value for '--format'"),
    (["--date", "2026-11-20", "--from", "2026-11-01"], 2, "either --date or --from/--to"),
    (["--to", "2026-11-01"], 2, "--to needs --from"),
    (["--format", "pdf", "-o", "-"], 2, "a PDF cannot go to stdout"),
])
def test_bad_input_is_one_clear_error(hall_db, args, code, message):
    result = _run(hall_db, *args)
    assert result.exit_code == code
    assert message in result.output


def test_missing_database_is_an_error_and_not_created(tmp_path):
    missing = tmp_path / "none.db"
    result = CliRunner().invoke(cli, ["report", "--db", str(missing)])
    assert result.exit_code == 1
    assert f"错误：{missing}：没有这个数据库" in result.output
    assert not missing.exists()


def test_a_file_that_is_no_database_is_an_error(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("not a database\n" * 100)
    result = CliRunner().invoke(cli, ["report", "--db", str(bogus)])
    assert result.exit_code == 1
    assert f"错误：{bogus}: cannot open database" in result.output


def test_reports_leave_the_database_unchanged(hall_db):
    before = Store(hall_db / "courtesy.db").counts()
    _run(hall_db, "--date", "2026-11-20", "--format", "json", "-o", "-")
    assert Store(hall_db / "courtesy.db").counts() == before


def test_pdf_without_chromium_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(reports.ReportError, match="apt-get install chromium"):
        reports.write_pdf("<p>x</p>", tmp_path / "x.pdf")


CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed "
                                    "(make setup installs the chromium package)")


@pytest.mark.browser
@needs_chromium
def test_pdf_is_the_printed_page(hall_db, tmp_path):
    target = tmp_path / "day.pdf"
    result = _run(hall_db, "--date", "2026-11-20", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 10_000


def _expected_text(value, fmt: str) -> str:
    """How the page must show a JSON value: written independently of the renderer."""
    if value is None:
        return "—"
    return {"int": lambda: str(value), "score": lambda: f"{value:.1f}",
            "rate": lambda: f"{value * 100:.1f}%", "hour": lambda: f"{value:02d}",
            "clock": lambda: value[11:19], "date": lambda: value[5:10],
            "day": lambda: "{}年{}月{}日".format(*map(int, value.split("-"))),
            "text": lambda: str(value)}[fmt]()


def _lookup(data, path: str):
    for part in path.split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


@pytest.mark.browser
@needs_chromium
def test_html_in_chromium_matches_the_json(hall_db, exported, browser):
    page_path = hall_db / "day.html"
    assert _run(hall_db, "--date", "2026-11-20", "-o", str(page_path)).exit_code == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    page.screenshot(path=str(ARTIFACTS / "report-2026-11-20.png"), full_page=True)
    shown = page.eval_on_selector_all("[data-field]", """els => els.map(e => [
        e.dataset.field, e.dataset.format, e.textContent.trim()])""")
    loose = page.evaluate("""() => {
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const out = [];
        while (walk.nextNode()) {
            const node = walk.currentNode;
            if (/[0-9]/.test(node.textContent)
                && !node.parentElement.closest('[data-field], [data-static]'))
                out.push(node.textContent.trim());
        }
        return out;
    }""")
    assert requests == [page_path.as_uri()]  # self-contained: nothing else is fetched
    assert loose == []  # every digit on the page is a checked figure or a scale tick
    generated = exported["report"]["generated_at"]
    mismatches = [(path, text, _expected_text(_lookup(exported, path), fmt))
                  for path, fmt, text in shown
                  if path != "report/generated_at"
                  and text != _expected_text(_lookup(exported, path), fmt)]
    assert mismatches == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", generated)
    fields = {path for path, _, _ in shown}
    for key in reports.FIGURE_KEYS[:10]:
        assert f"summary/{key}" in fields and f"windows/1/{key}" in fields
    assert {f"incidents/{n}/at" for n in range(4)} <= fields
    assert "hours/2/visits" in fields and "windows/0/greeting_rate" in fields  # the charts
    assert len(shown) > 200


@pytest.mark.browser
@needs_chromium
def test_printed_summary_cards_fit_the_page(hall_db, browser):
    """On A4 (186 mm between the margins: 703 px) and narrower, no summary card reaches past
    the page's right edge: they wrap to another row instead."""
    page_path = hall_db / "print.html"
    assert _run(hall_db, "--from", "2026-11-12", "--to", "2026-11-20",
                "-o", str(page_path)).exit_code == 0
    overflow = {}
    for width in (703, 520, 360):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.emulate_media(media="print")
        page.goto(page_path.as_uri())
        overflow[width] = page.evaluate("""() => {
            const edge = document.querySelector('#summary').getBoundingClientRect().right;
            return [...document.querySelectorAll('#summary .card')]
                .filter(c => c.getBoundingClientRect().right > edge + 0.5
                             || c.scrollWidth > c.clientWidth)
                .map(c => c.textContent.trim());
        }""")
        page.close()
    assert overflow == {703: [], 520: [], 360: []}


def test_a_long_incident_list_is_cut_on_the_page_critical_first(hall_db, tmp_path):
    page = tmp_path / "short.html"
    result = _run(hall_db, "--date", "2026-11-20", "--max-incidents", "1", "-o", str(page))
    assert result.exit_code == 0
    html = page.read_text(encoding="utf-8")
    listed = sorted(set(re.findall(r'data-field="incidents/(\d+)/', html)))
    assert listed == ["1"]  # the critical taboo, not the earlier major greeting
    assert "此处列出 1 / 4 条" in html
    data = json.loads(_run(hall_db, "--date", "2026-11-20", "--max-incidents", "1",
                           "--format", "json", "-o", "-").stdout)
    assert len(data["incidents"]) == 4


def test_unwritable_output_is_one_clear_error(hall_db, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _run(hall_db, "--date", "2026-11-20", "-o", str(blocker / "day.html"))
    assert result.exit_code == 1
    assert f"错误：{blocker / 'day.html'}: cannot write the report" in result.output


@needs_chromium
def test_pdf_timeout_ends_chromium_and_says_so(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this print's profile, no other's
    with pytest.raises(reports.ReportError, match="did not finish printing"):
        reports.write_pdf("<p>x</p>", tmp_path / "x.pdf", timeout=0.05)
    assert [line for line in _command_lines() if str(tmp_path).encode() in line] == []


def _command_lines() -> list[bytes]:
    lines = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(path.read_bytes())
        except OSError:  # the process ended meanwhile
            pass
    return lines


def test_machine_heard_quotes_are_marked_with_their_pinyin(tmp_path):
    """A line a recogniser heard carries its pinyin and engine in JSON and CSV, and a
    机器识别 mark with the pinyin as tooltip on the page; typed lines carry neither."""
    from monitor.records import Utterance

    store = Store(tmp_path / "heard.db")
    scorer = Scorer.load("general")
    heard = [Utterance(0.0, 2.0, "customer", "我来交电费"),
             Utterance(2.5, 5.0, "staff", "你烦不烦啊", pinyin="nǐ fán bù fán a",
                       heard_by="sherpa"),
             Utterance(5.5, 7.0, "staff", "请慢走再见")]
    store.save(scorer.score(heard, source="heard", window="W01", staff="S07",
                            started_at=datetime.fromisoformat("2026-11-20T10:00:00+08:00")))
    built = reports.build(store, reports.ReportOptions(date(2026, 11, 20), date(2026, 11, 20)))
    data = reports.to_json(built)
    taboo = next(i for i in data["incidents"] if i["rule"] == "taboo")
    assert taboo["heard_by"] == "sherpa"
    hit = next(c for c in taboo["context"] if c["hit"])
    assert (hit["text"], hit["pinyin"], hit["heard_by"]) == ("你烦不烦啊", "nǐ fán bù fán a",
                                                              "sherpa")
    typed = [c for c in taboo["context"] if not c["hit"]]
    assert typed and all(c["pinyin"] == c["heard_by"] == "" for c in typed)
    out = io.StringIO()
    reports.write_csv(built, out)
    [row] = [r for r in csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff")))
             if r["section"] == "incident" and r["rule"] == "taboo"]
    assert row["heard_by"] == "sherpa" and "机器识别：nǐ fán bù fán a" in row["context"]
    html = reports.render_html(built)
    assert 'title="由语音自动识别，可能有误；拼音：nǐ fán bù fán a"' in html
    heard_lines = sum(c["heard_by"] != "" for i in data["incidents"] for c in i["context"])
    assert html.count('<abbr class="machine"') == heard_lines + 1  # each heard line, the legend


def test_csv_cells_are_never_formulas_and_links_are_absolute(tmp_path):
    """A window or staff id (from a transcript or --window) that starts like a formula is
    quoted with a leading ', and links open the web app even from a file on disk."""
    store = Store(tmp_path / "formula.db")
    path = _write(tmp_path / "taboo.jsonl", [(None, VISIT_TABOO)])
    _score(store, Scorer.load("general"), path, '=HYPERLINK("http://x","y")', "@S1",
           "2026-11-20T09:00")
    built = reports.build(store, reports.ReportOptions(date(2026, 11, 20), date(2026, 11, 20)))
    out = io.StringIO()
    reports.write_csv(built, out)
    text = out.getvalue()
    assert text.startswith("\ufeffsection,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    cells = [v for row in rows for v in row.values() if v]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'@S1" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    links = [r["link"] for r in rows if r["section"] == "incident"]
    assert links and all(re.fullmatch(r"http://localhost:8080/replay/\S+", link) for link in links)
    html = reports.render_html(built)
    assert 'href="http://localhost:8080/replay/' in html and 'href="/replay/' not in html


def _page_image(pdf: Path, page: int = 1, dpi: int = 100):
    """A printed page as a grey-level array (pdftoppm's PGM), white 255."""
    import subprocess

    import numpy as np

    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray",
                    str(pdf), str(pdf.with_suffix(""))], check=True)
    [pgm] = pdf.parent.glob(f"{pdf.stem}-*{page}.pgm")
    data = pgm.read_bytes()
    header = data.split(b"\n", 3)  # P5, width height, maxval, pixels
    width, height = map(int, header[1].split())
    return np.frombuffer(header[3], np.uint8)[:width * height].reshape(height, width)


@pytest.mark.slow  # Chromium prints, poppler rasterises: seconds
@needs_chromium
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils' pdftoppm "
                    "(scripts/system-packages.sh installs it)")
def test_the_printed_report_keeps_its_cards_whole_and_its_pinyin_on_paper(tmp_path):
    """Issue 24: on A4 the rightmost summary card lost its right border (the column is
    702.99 px, the cards 703), and the page told a paper reader to hover for pinyin."""
    import numpy as np

    from monitor.records import Utterance

    store = Store(tmp_path / "heard.db")
    heard = [Utterance(0.0, 2.0, "customer", "我来交电费"),
             Utterance(2.5, 5.0, "staff", "你烦不烦啊", pinyin="nǐ fán bù fán a",
                       heard_by="sherpa")]
    store.save(Scorer.load("general").score(
        heard, source="heard", window="W01", staff="S07",
        started_at=datetime.fromisoformat("2026-11-20T10:00:00+08:00")))
    built = reports.build(store, reports.ReportOptions(date(2026, 11, 20), date(2026, 11, 20)))
    pdf = tmp_path / "day.pdf"
    reports.write_pdf(reports.render_html(built), pdf)
    page = _page_image(pdf)
    accent = (page > 90) & (page < 140)  # the section rule under 概况 (#4e79a7)
    rule_y = next(y for y in range(page.shape[0]) if accent[y].sum() > page.shape[1] // 2)
    rule_right = np.nonzero(accent[rule_y])[0].max()
    cards = page[rule_y + 8: rule_y + 60]  # the first row of cards
    cards_right = np.nonzero((cards < 235).any(axis=0))[0].max()
    assert cards_right < rule_right  # the card's border stands inside the printed column
    import subprocess

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "悬停" not in text and "鼠标" not in text and "拼音：nǐ fán bù fán a" in text
