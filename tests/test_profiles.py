"""Profiles: sector parameters, inheritance, and errors that name the field."""
import shutil

import pytest

from monitor import profiles
from monitor.errors import ConfigError, InputError

from .conftest import ROOT


def test_general_defaults():
    general = profiles.load("general")
    assert general.visits.visit_gap_s == 30
    assert general.rules.greet_within_s == 20
    assert general.rules.service_limit_s is None
    assert general.rules.settings["greeting"].weight == 20
    assert general.sector is None


def test_every_bundled_profile_loads():
    names = profiles.available()
    assert {"general", "police", "hospital", "bank", "utility", "government"} <= set(names)
    for name in names:
        profiles.load(name)


def test_sector_profile_extends_general():
    hospital = profiles.load("hospital")
    assert hospital.sector == "hospital"
    assert hospital.rules.service_limit_s == 300
    assert hospital.rules.greet_within_s == 20  # inherited


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown profile 'zoo'.*general"):
        profiles.load("zoo")


@pytest.fixture
def lexicon_copy(tmp_path):
    shutil.copytree(ROOT / "lexicons", tmp_path / "lexicons")
    return tmp_path / "lexicons"


@pytest.mark.parametrize("extra,field", [
    ("[rules.greeting]\ngreet_within = 5\n", "rules.greeting.greet_within"),
    ("[rules.greeting]\ngreet_within_s = \"soon\"\n", "rules.greeting.greet_within_s"),
    ("[rules.greeting]\nseverity = \"fatal\"\n", "rules.greeting.severity"),
    ("[rules.greeting]\nenabled = 1\n", "rules.greeting.enabled"),
    ("[rules.kindness]\nweight = 1\n", "rules.kindness"),
    ("[matching.thresholds]\ntaboo = \"high\"\n", "matching.thresholds.taboo"),
    ("[visits]\nvisit_gap = 3\n", "visits.visit_gap"),
])
def test_bad_parameter_names_file_and_field(lexicon_copy, extra, field):
    path = lexicon_copy / "profiles" / "custom.toml"
    path.write_text('[profile]\nextends = "general"\n' + extra, encoding="utf-8")
    with pytest.raises(InputError, match=f"custom.toml: field '{field}'"):
        profiles.load("custom", lexicon_copy)


def test_extends_loop_is_an_error(lexicon_copy):
    (lexicon_copy / "profiles" / "a.toml").write_text('[profile]\nextends = "b"\n')
    (lexicon_copy / "profiles" / "b.toml").write_text('[profile]\nextends = "a"\n')
    with pytest.raises(InputError, match="loop"):
        profiles.load("a", lexicon_copy)
