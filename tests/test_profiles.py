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
    with pytest.raises(InputError, match=f"custom.toml：字段“{field}”"):
        profiles.load("custom", lexicon_copy)


def test_extends_loop_is_an_error(lexicon_copy):
    (lexicon_copy / "profiles" / "a.toml").write_text('[profile]\nextends = "b"\n')
    (lexicon_copy / "profiles" / "b.toml").write_text('[profile]\nextends = "a"\n')
    with pytest.raises(InputError, match="loop"):
        profiles.load("a", lexicon_copy)


@pytest.mark.parametrize("text,field,message", [
    ('profile = "x"\n', "profile", "must be a table"),
    ('[profile]\nextends = 5\n', "profile.extends", "must be a string"),
    ('[profile]\nlexicons = "greeting"\n', "profile.lexicons", "must be a list of strings"),
    ('[profile]\nextends = "general"\n[rules]\ngreeting = 5\n', "rules.greeting", "must be a table"),
    ('[profile]\nextends = "general"\n[matching]\nthresholds = 5\n', "matching.thresholds",
     "must be a table"),
    ('[profile]\nextends = "general"\n[matching.thresholds]\ntaboo = 300\n',
     "matching.thresholds.taboo", "needs a known kind and a number 0-100"),
    ('[profile]\nextends = "general"\n[rules.please]\nplease_markers = 5\n',
     "rules.please.please_markers", "must be a list of strings"),
    ('[profile]\nextends = "general"\n[rules.please]\nplease_markers = ["请", 1]\n',
     "rules.please.please_markers", "must be a list of strings"),
    ('[profile]\nextends = "general"\n[visits]\nvisit_gap_s = -30\n', "visits.visit_gap_s",
     "must not be negative"),
    ('[profile]\nextends = "general"\n[visits]\nmax_wait_s = inf\n', "visits.max_wait_s",
     "must be a number"),
    ('[profile]\nextends = "general"\n[scoring]\npass_at = 900\n', "scoring.pass_at", "must be 0-100"),
    ('[profile]\nextends = "general"\n[matching]\nexact_below = 2.5\n', "matching.exact_below",
     "must be a whole number"),
    ('[profile]\nextends = "general"\n[rules.greeting]\nsettings = 3\n', "rules.greeting.settings",
     "cannot be set"),
])
def test_unusable_parameters_are_named(lexicon_copy, text, field, message):
    (lexicon_copy / "profiles" / "custom.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"custom.toml：字段“{field}”：{message}"):
        profiles.load("custom", lexicon_copy)


def test_a_level_may_be_negative(lexicon_copy):
    (lexicon_copy / "profiles" / "custom.toml").write_text(
        '[profile]\nextends = "general"\n[rules.volume]\nmax_dbfs = -3\n', encoding="utf-8")
    assert profiles.load("custom", lexicon_copy).rules.max_dbfs == -3.0
