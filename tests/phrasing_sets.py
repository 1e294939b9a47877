"""Shared helpers for the tests of the issue-25 bench's phrasing sets written apart
(bench/sequenced_fresh.py, bench/sequenced_apart.py, bench/sequenced_fifth.py,
bench/sequenced_sixth.py, bench/sequenced_seventh.py, bench/sequenced_eighth.py,
bench/sequenced_ninth.py ... bench/sequenced_thirteenth.py): their phrasings counted, and their
days checked to be labelled by construction (the checks of the fourth to thirteenth sets are one,
each set passing its name in sequenced.PHRASINGS)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import sequenced  # noqa: E402

from monitor import transcript  # noqa: E402

SLOTS = {name for name, value in vars(sequenced).items()
         if name.isupper() and isinstance(value, (list, dict))} - {"HELD_OUT", "VARIANTS",
                                                                    "PHRASINGS"}


def strings(value) -> set[str]:
    """Every phrasing in a slot: list items, a count's words, a sector's businesses and the
    asks, places and offices of its matters elsewhere (materials are things, not phrasings)."""
    if isinstance(value, int):
        return set()
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, sequenced.Sector):
        return {b.name for b in value.businesses} | {
            text for e in value.elsewhere for text in (e.ask, e.place, e.agency)}
    items = value.values() if isinstance(value, dict) else value
    return set().union(*(strings(item) for item in items)) if items else set()


def forms(value) -> int:
    return sum(map(len, value.values())) if isinstance(value, dict) else len(value)


def said(days):
    return [[(u.start, u.role, u.text, u.visit) for u in d.utterances] for d in days]


def lists(name: str) -> dict:
    return sequenced.PHRASINGS[name].lists()


def assert_labelled_by_construction(name: str) -> list:
    """Days in the set `name`: every variant, its truth the generator's, each visit's lines
    its case's, a span for every positive, the bench's lists left as they were and its
    deflections none of theirs. Returns the days."""
    phrasing = lists(name)
    before = {slot: getattr(sequenced, slot) for slot in SLOTS}
    days = sequenced.generate(11, 8, phrasing=name)
    assert {slot: getattr(sequenced, slot) for slot in SLOTS} == before
    assert {c.variant for d in days for c in d.cases} == set(sequenced.VARIANTS)
    for day in days:
        assert {b.name for b in phrasing["SECTORS"][day.sector].businesses} >= {
            business for c in day.cases for business, _ in c.visits} - {sequenced.ASKED_ELSEWHERE}
        for n, case in enumerate(day.cases):
            _, rule, positive = sequenced.VARIANTS[case.variant]
            assert case.truth == {r: positive and r == rule for r in sequenced.RULES}
            labels = sorted((v for v, k in day.visit_case.items() if k == n),
                            key=lambda v: day.visit_lines[v][0])
            for label, (_, lines) in zip(labels, case.visits, strict=True):
                assert [day.utterances[i].text for i in day.visit_lines[label]] == [
                    line.text for line in lines]
            assert not positive or n in day.spans
    deflected = {line.text for d in days for c in d.cases if c.truth["first_asked"]
                 for _, lines in c.visits for line in lines if line.mark == "e"}
    assert any(core in text for text in deflected for core in phrasing["DEFLECT"])
    assert not any(core in text for text in deflected for core in sequenced.DEFLECT)
    assert said(days) != said(sequenced.generate(11, 8))
    return days


LENGTH = re.compile(r"[0-9一二两三四五六七八九十半几]+[来多个把]* *(分钟|刻|小时|钟头|秒)")
COUNT = re.compile(r"[一二两俩三仨四五几][样个份件种]")
MORE = re.compile(r"[二两俩三仨四五几][样个份件种]")  # one, where one is said: 再补一个{L}
# what says where: in no line of a case whose deflection must have no direction
WHERE = ("楼", "号", "科室", "大厅", "办公室", "中心", "左转", "右手", "左手", "对面", "隔壁",
         "旁边", "电话", "网上", "热线")
VAGUE = ("相关", "有关", "别的", "别人", "别处", "其他", "外头", "对口", "管这", "负责这", "哪个",
         "上级", "主管")


def materials(phrasing: dict, sector: str) -> list[str]:
    return sorted({m for b in phrasing["SECTORS"][sector].businesses for m in b.materials},
                  key=len, reverse=True)


def named(text: str, materials: list[str]) -> set[str]:
    """The materials a line names, the longest first."""
    found = set()
    for material in materials:
        if material in text:
            found.add(material)
            text = text.replace(material, "|")
    return found


def staff(lines, mark: str | None = None) -> list[str]:
    return [line.text for line in lines
            if line.role == "staff" and (mark is None or line.mark == mark)]


def assert_replaces_every_slot(phrasing: dict) -> None:
    """Every slot of the generator, none empty, the bench's sectors and profiles, a count's
    words for every count said."""
    assert set(phrasing) == SLOTS
    assert all(phrasing[name] for name in SLOTS)
    assert set(phrasing["SECTORS"]) == set(sequenced.SECTORS)
    assert all(phrasing["SECTORS"][name].profile == sector.profile
               for name, sector in sequenced.SECTORS.items())
    assert set(phrasing["COUNT_WORDS"]) == set(phrasing["COUNTED_AS"])


def assert_shares_nothing_with(phrasing: dict, others: tuple[dict, ...]) -> None:
    """No phrasing is one of the other sets', and no quiet line (a deflection, no direction,
    a vague pointer, a farewell, a shrug) holds another set's deflection."""
    seen = set().union(*(strings(value) for other in others for value in other.values()))
    assert sorted((name, text) for name in phrasing
                  for text in strings(phrasing[name]) & seen) == []
    cores = {core for other in others for core in other.get("DEFLECT", [])}
    quiet = [t for name in ("DEFLECT", "NO_DIRECTION", "VAGUE_POINTER", "CLOSE", "SHRUG")
             for t in phrasing[name]]
    assert not [(t, core) for t in quiet for core in cores if core in t]


def assert_has_the_forms_of(phrasing: dict, before: dict) -> None:
    """At least the earlier set's forms in every slot and its businesses and matters in every
    sector, businesses of 4 or 5 materials, statements of up to 4."""
    for name in SLOTS - {"SECTORS"}:
        assert forms(phrasing[name]) >= forms(before[name]), name
    for name, sector in phrasing["SECTORS"].items():
        assert len(sector.elsewhere) >= len(before["SECTORS"][name].elsewhere)
        assert len(sector.businesses) >= len(before["SECTORS"][name].businesses)
        assert {len(b.materials) for b in sector.businesses} <= {4, 5}
    assert max(phrasing["NAMED"]) == 4


def assert_no_wait_outside_the_wait_slots(phrasing: dict) -> None:
    """A wait said in a hand-over or a clerk's work would be a true 候时告知 finding where
    the case's truth has none."""
    said_ = [t for name in SLOTS - {"SECTORS", "WAIT", "WAIT_LENGTH", "LENGTH_FIRST"}
             for t in strings(phrasing[name])]
    assert not [t for t in said_ if any(w in t for w in ("等", "稍候"))]


def assert_materials_told_apart(phrasing: dict) -> None:
    """No material holds another of its sector, nor stands in any phrasing of the set."""
    fixed = set().union(*(strings(phrasing[name]) for name in SLOTS - {"SECTORS"}))
    for name, sector in phrasing["SECTORS"].items():
        every = materials(phrasing, name)
        for material in every:
            assert not [m for m in every if m != material and material in m], material
            assert not [t for t in strings(sector) | fixed if material in t], material


def assert_slots_hold_their_fields(phrasing: dict, where=WHERE) -> None:
    """Each slot has the fields its builder fills; the quiet ones say no where, no count
    and no length."""
    def fields(template: str) -> set[str]:
        return set(re.findall(r"{(\w*)}", template))

    for name, need in (("MISSING", {"L"}), ("AGAIN", {"L"}), ("AWAY", {"x"}), ("ASK", {"b"}),
                       ("ASK_MATERIALS", {"b"}), ("RETURN_OTHER", {"b"})):
        assert all(fields(t) == need for t in phrasing[name]), name
    assert all(fields(t) in ({"L"}, {"b", "L"}) for t in phrasing["INFORM"])
    assert all("L" in fields(t) <= {"x", "L"}
               for t in phrasing["RETURN_NEW"] + phrasing["RETURN_REPEAT"])
    assert all("x" in fields(t) <= {"x", "b"} for t in phrasing["RETURN"])
    assert all("n" in fields(t) and fields(t) & {"L", "first"} for t in phrasing["COUNTED"])
    assert all(fields(t) & {"p", "a"} for t in phrasing["DIRECT"] + phrasing["HANDOVER"])
    for n, words in phrasing["COUNT_WORDS"].items():
        assert all(w[0] in {2: "两俩", 3: "三仨", 4: "四"}[n] for w in words)
    for name in ("MISSING", "VAGUE_MISSING", "NO_LIST", "INFORM"):
        assert not [t for t in phrasing[name] if COUNT.search(t)], name
    for name in ("AGAIN", "RETURN_NEW", "LIST_TWO", "LIST_MORE"):  # of one material
        assert not [t for t in phrasing[name] if MORE.search(t)], name
    quiet = [t for name in ("DEFLECT", "DEFLECT_LEAD", "DEFLECT_TAIL", "NO_DIRECTION",
                            "VAGUE_POINTER", "CLOSE", "OPEN", "SHRUG") for t in phrasing[name]]
    assert not [t for t in quiet if any(w in t for w in where)]
    assert all(any(w in t for w in VAGUE) for t in phrasing["VAGUE_POINTER"])
    waitless = [t for name in SLOTS - {"SECTORS", "WAIT_LENGTH", "LENGTH_FIRST"}
                for t in strings(phrasing[name])]
    assert not [t for t in waitless if LENGTH.search(t)]
    assert all(LENGTH.search(t) for t in phrasing["WAIT_LENGTH"] + phrasing["LENGTH_FIRST"])


def assert_reads_back(folder: Path, name: str) -> None:
    """A day written as JSONL reads back as the same transcript, its labels beside it."""
    day = sequenced.generate(4, 1, phrasing=name)[0]
    path = day.write(folder)
    assert [(u.start, u.end, u.role, u.text) for u in transcript.read(path)] == [
        (u.start, u.end, u.role, u.text) for u in day.utterances]
    assert (folder / f"{day.name}.labels.json").is_file()


def assert_no_direction_names_no_place(name: str, where=WHERE) -> None:
    """A deflection whose truth is 'no direction' names no place, office or way in any
    staff line of its case; a direction or a handover names one."""
    phrasing = lists(name)
    for day in sequenced.generate(2, 30, phrasing=name):
        sector = phrasing["SECTORS"][day.sector]
        places = [w.place for w in sector.elsewhere] + [w.agency for w in sector.elsewhere] \
            + phrasing["NEARBY"]
        for case in day.cases:
            said_ = [t for _, lines in case.visits for t in staff(lines)]
            found = any(p in text for text in said_ for p in places)
            if case.rule == "first_asked" and case.truth["first_asked"]:
                assert not found and not [t for t in said_ if any(w in t for w in where)], said_
            if case.variant.startswith(("direction", "handed over")):
                assert found, said_


def assert_statements_name_their_builders(name: str) -> None:
    """Each statement names exactly what its builder gave it: all of 1 to 4, none, one
    then another, fewer than its count, one more on a return."""
    phrasing, in_full = lists(name), set()
    for day in sequenced.generate(5, 40, phrasing=name):
        every = materials(phrasing, day.sector)
        for case in day.cases:
            business = {b.name: b for b in phrasing["SECTORS"][day.sector].businesses}.get(
                case.visits[0][0])
            told = [[named(t, every) for t in staff(lines)] for _, lines in case.visits]
            evidence = [[named(t, every) for t in staff(lines, "e")] for _, lines in case.visits]
            if business:
                assert set().union(*told[0]) <= set(business.materials), case.variant
            if case.variant == "complete list":
                in_full |= {len(s) for s in told[0] if s}
                assert sum(map(bool, told[0])) == 1
            elif case.variant.startswith("missing, none named"):
                assert not any(told[0]), case.variant
            elif case.variant == "none named, then the list":
                assert sorted(map(len, told[0]))[-1] >= 2 and sum(map(bool, told[0])) == 1
            elif case.variant == "named piecemeal in one visit":
                first, then = evidence[0]
                assert len(first) == len(then) == 1 and first != then
            elif case.variant == "fewer named than counted":
                (text,) = staff(case.visits[0][1], "e")
                (count,) = [n for n, words in phrasing["COUNT_WORDS"].items()
                            if any(w in text for w in words)]
                assert 1 <= len(named(text, every)) < count, text
            elif case.variant.startswith("return the same day"):
                (morning,), (afternoon,) = evidence
                assert len(afternoon - morning) == 1, case.variant
            elif case.variant == "return, an item named before":
                assert set().union(*told[1]) <= set().union(*told[0])
            elif case.variant == "wait without its length":
                assert not any(LENGTH.search(t) for _, lines in case.visits for t in staff(lines))
            elif case.variant.startswith(("wait with", "length in")):
                assert any(LENGTH.search(t) for _, lines in case.visits for t in staff(lines))
    assert in_full == {1, 2, 3, 4}


def assert_typos_leave_the_truth(name: str) -> None:
    """About the share of lines asked is mistyped; the cases and their truth stay."""
    clean = sequenced.generate(5, 6, phrasing=name)
    typed = sequenced.generate(5, 6, phrasing=name, typos=0.15)
    pairs = [(a.text, b.text) for c, t in zip(clean, typed) for a, b in
             zip(c.utterances, t.utterances, strict=True)]
    assert 0.10 < sum(a != b for a, b in pairs) / len(pairs) < 0.20
    assert [[(c.variant, c.truth) for c in d.cases] for d in clean] == [
        [(c.variant, c.truth) for c in d.cases] for d in typed]
