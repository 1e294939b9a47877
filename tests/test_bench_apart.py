"""The issue-25 bench's fourth phrasing set (bench/sequenced_apart.py): it replaces every slot
of the generator, shares no phrasing with the other three sets (the bench's lists, HELD_OUT,
sequenced_fresh.FRESH: read here by the test, not by the set's writer), has as many forms as
FRESH, and its days are labelled by their construction: a deflection with no direction
names no place, a direction does, a statement names exactly the materials its builder gave
it, a count is more than what is named, a wait without its length gives none."""
from __future__ import annotations

import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402
import sequenced_fresh  # noqa: E402
from phrasing_sets import SLOTS, assert_labelled_by_construction, forms, said, strings  # noqa: E402
from sequenced_apart import APART  # noqa: E402

from monitor import transcript  # noqa: E402

LENGTH = re.compile(r"[0-9一二两三四五六七八九十半几]+[来多个把]* *(分钟|刻|小时|钟头|秒)")
COUNT = re.compile(r"[一二两俩三仨四五几][样个份件种]")
MORE = re.compile(r"[二两俩三仨四五几][样个份件种]")  # one, where one is said: 再补一个{L}
# what says where: in no line of a case whose deflection must have no direction
WHERE = ("楼", "号", "科室", "大厅", "办公室", "中心", "左转", "右手", "左手", "对面", "隔壁",
         "旁边", "电话", "网上", "热线")
VAGUE = ("相关", "有关", "别的", "别人", "别处", "其他", "外头", "对口", "管这", "负责这", "哪个",
         "上级", "主管")


def _materials(sector: str) -> list[str]:
    return sorted({m for b in APART["SECTORS"][sector].businesses for m in b.materials},
                  key=len, reverse=True)


def _named(text: str, materials: list[str]) -> set[str]:
    """The materials a line names, the longest first."""
    named = set()
    for material in materials:
        if material in text:
            named.add(material)
            text = text.replace(material, "|")
    return named


def _staff(lines, mark: str | None = None) -> list[str]:
    return [line.text for line in lines
            if line.role == "staff" and (mark is None or line.mark == mark)]


def test_apart_replaces_every_slot_of_the_generator():
    assert set(APART) == SLOTS
    assert all(APART[name] for name in SLOTS)
    assert set(APART["SECTORS"]) == set(sequenced.SECTORS)
    assert all(APART["SECTORS"][name].profile == sector.profile
               for name, sector in sequenced.SECTORS.items())
    assert set(APART["COUNT_WORDS"]) == set(APART["COUNTED_AS"])


def test_no_apart_phrasing_is_one_of_the_other_three_sets():
    seen = set().union(*(strings(getattr(sequenced, name)) for name in SLOTS),
                       *(strings(value) for value in sequenced.HELD_OUT.values()),
                       *(strings(value) for value in sequenced_fresh.FRESH.values()))
    same = sorted((name, text) for name in APART for text in strings(APART[name]) & seen)
    assert same == []


def test_apart_has_fresh_s_forms_and_three_times_the_held_out():
    for name in SLOTS - {"SECTORS"}:
        assert forms(APART[name]) >= forms(sequenced_fresh.FRESH[name]), name
        if name in sequenced.HELD_OUT:
            assert forms(APART[name]) >= 3 * forms(sequenced.HELD_OUT[name]), name
    for name, sector in APART["SECTORS"].items():
        fresh = sequenced_fresh.FRESH["SECTORS"][name]
        assert len(sector.elsewhere) >= len(fresh.elsewhere)
        assert len(sector.businesses) >= len(fresh.businesses)
        assert min(len(b.materials) for b in sector.businesses) >= max(APART["NAMED"])


def test_materials_are_told_apart_from_each_other_and_from_every_other_phrasing():
    fixed = set().union(*(strings(APART[name]) for name in SLOTS - {"SECTORS"}))
    for name, sector in APART["SECTORS"].items():
        materials = _materials(name)
        for material in materials:
            assert not [m for m in materials if m != material and material in m], material
            assert not [t for t in strings(sector) | fixed if material in t], material


def test_slots_hold_their_fields_and_the_quiet_ones_say_no_where_count_or_length():
    def fields(template: str) -> set[str]:
        return set(re.findall(r"{(\w*)}", template))

    for name, need in (("MISSING", {"L"}), ("AGAIN", {"L"}), ("AWAY", {"x"}), ("ASK", {"b"}),
                       ("ASK_MATERIALS", {"b"}), ("RETURN_OTHER", {"b"})):
        assert all(fields(t) == need for t in APART[name]), name
    assert all(fields(t) in ({"L"}, {"b", "L"}) for t in APART["INFORM"])
    assert all("L" in fields(t) <= {"x", "L"} for t in APART["RETURN_NEW"] + APART["RETURN_REPEAT"])
    assert all("x" in fields(t) <= {"x", "b"} for t in APART["RETURN"])
    assert all("n" in fields(t) and fields(t) & {"L", "first"} for t in APART["COUNTED"])
    assert all(fields(t) & {"p", "a"} for t in APART["DIRECT"] + APART["HANDOVER"])
    for n, words in APART["COUNT_WORDS"].items():
        assert all(w[0] in {2: "两俩", 3: "三仨", 4: "四"}[n] for w in words)
    for name in ("MISSING", "VAGUE_MISSING", "NO_LIST", "INFORM"):
        assert not [t for t in APART[name] if COUNT.search(t)], name
    for name in ("AGAIN", "RETURN_NEW", "LIST_TWO", "LIST_MORE"):  # of one material
        assert not [t for t in APART[name] if MORE.search(t)], name
    quiet = [t for name in ("DEFLECT", "DEFLECT_LEAD", "DEFLECT_TAIL", "NO_DIRECTION",
                            "VAGUE_POINTER", "CLOSE", "OPEN", "SHRUG") for t in APART[name]]
    assert not [t for t in quiet if any(w in t for w in WHERE)]
    assert all(any(w in t for w in VAGUE) for t in APART["VAGUE_POINTER"])
    waitless = [t for name in SLOTS - {"SECTORS", "WAIT_LENGTH", "LENGTH_FIRST"}
                for t in strings(APART[name])]
    assert not [t for t in waitless if LENGTH.search(t)]
    assert all(LENGTH.search(t) for t in APART["WAIT_LENGTH"] + APART["LENGTH_FIRST"])


def test_apart_days_hold_every_kind_of_case_labelled_by_its_construction():
    days = assert_labelled_by_construction(APART, apart=True)
    assert said(days) != said(sequenced.generate(11, 8, fresh=True))


def test_a_day_written_apart_reads_back_as_the_same_transcript(tmp_path):
    day = sequenced.generate(4, 1, apart=True)[0]
    path = day.write(tmp_path)
    assert [(u.start, u.end, u.role, u.text) for u in transcript.read(path)] == [
        (u.start, u.end, u.role, u.text) for u in day.utterances]
    assert (tmp_path / f"{day.name}.labels.json").is_file()


def test_deflections_without_direction_name_no_place_and_the_others_do():
    for day in sequenced.generate(2, 30, apart=True):
        sector = APART["SECTORS"][day.sector]
        places = [w.place for w in sector.elsewhere] + [w.agency for w in sector.elsewhere] \
            + APART["NEARBY"]
        for case in day.cases:
            staff = [t for _, lines in case.visits for t in _staff(lines)]
            named = any(p in text for text in staff for p in places)
            if case.rule == "first_asked" and case.truth["first_asked"]:
                assert not named and not [t for t in staff if any(w in t for w in WHERE)], staff
            if case.variant.startswith(("direction", "handed over")):
                assert named, staff


def test_statements_name_exactly_what_their_builder_gave_them():
    named_in_full = set()
    for day in sequenced.generate(5, 40, apart=True):
        materials = _materials(day.sector)
        for case in day.cases:
            business = {b.name: b for b in APART["SECTORS"][day.sector].businesses}.get(
                case.visits[0][0])
            told = [[_named(t, materials) for t in _staff(lines)] for _, lines in case.visits]
            evidence = [[_named(t, materials) for t in _staff(lines, "e")]
                        for _, lines in case.visits]
            if business:
                assert set().union(*told[0]) <= set(business.materials), case.variant
            if case.variant == "complete list":
                named_in_full |= {len(s) for s in told[0] if s}
                assert sum(map(bool, told[0])) == 1
            elif case.variant.startswith("missing, none named"):
                assert not any(told[0]), case.variant
            elif case.variant == "none named, then the list":
                assert sorted(map(len, told[0]))[-1] >= 2 and sum(map(bool, told[0])) == 1
            elif case.variant == "named piecemeal in one visit":
                first, then = evidence[0]
                assert len(first) == len(then) == 1 and first != then
            elif case.variant == "fewer named than counted":
                (text,) = _staff(case.visits[0][1], "e")
                (count,) = [n for n, words in APART["COUNT_WORDS"].items()
                            if any(w in text for w in words)]
                assert 1 <= len(_named(text, materials)) < count, text
            elif case.variant.startswith("return the same day"):
                (morning,), (afternoon,) = evidence
                assert len(afternoon - morning) == 1, case.variant
            elif case.variant == "return, an item named before":
                assert set().union(*told[1]) <= set().union(*told[0])
            elif case.variant == "wait without its length":
                assert not any(LENGTH.search(t) for _, lines in case.visits for t in _staff(lines))
            elif case.variant.startswith(("wait with", "length in")):
                assert any(LENGTH.search(t) for _, lines in case.visits for t in _staff(lines))
    assert named_in_full == {1, 2, 3, 4}


def test_typed_errors_work_with_the_set_apart_and_leave_its_truth():
    clean = sequenced.generate(5, 6, apart=True)
    typed = sequenced.generate(5, 6, apart=True, typos=0.15)
    pairs = [(a.text, b.text) for c, t in zip(clean, typed) for a, b in
             zip(c.utterances, t.utterances, strict=True)]
    assert 0.10 < sum(a != b for a, b in pairs) / len(pairs) < 0.20
    assert [[(c.variant, c.truth) for c in d.cases] for d in clean] == [
        [(c.variant, c.truth) for c in d.cases] for d in typed]
