"""Self-care programmes: the shipped files pass, each rule refuses a broken copy with the file, line
and field, and the pure functions an app needs (open modules by date, diary week totals, progress,
when a programme is offered)."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from ruamel.yaml import YAML

from guidance_library.instruments import score
from guidance_library.loader import (
    DEFAULT_PROGRAMMES_DIR, LibraryInvalid, LibrarySources, fingerprint, load_library, load_programmes,
)
from guidance_library.programme import (
    DiaryEntry, as_enrolled, end_assessment_open, next_opening, offered_after_assessment, offered_on_path,
    open_modules, progress, standard_drinks, weekly_totals,
)
from guidance_library.programme_validation import ProgrammeContext
from guidance_library.tools import cli

START = dt.date(2027, 1, 4)  # a Monday


@pytest.fixture(scope="module")
def context(library) -> ProgrammeContext:
    return ProgrammeContext(library.instruments, frozenset(p.id for p in library.paths),
                            library.profile.placeholder_scope(library.national_contacts),
                            {key: c.phone for key, c in library.national_contacts.items() if c.phone})


@pytest.fixture(scope="module")
def programmes(context):
    found, problems = load_programmes(DEFAULT_PROGRAMMES_DIR, context)
    assert problems == []
    return found


# --- the shipped programmes -------------------------------------------------------------------

def test_the_shipped_programmes_pass_and_are_in_the_library(library, programmes):
    assert set(programmes) >= {"mieliala", "alkoholi", "stressi"}
    assert set(library.programmes) == set(programmes)
    assert {p.instrument for p in programmes.values()} >= {"phq9", "auditc", "gad7"}


def test_mood_has_three_weekly_modules_and_repeats_phq9_at_the_end(programmes):
    mood = programmes["mieliala"]
    assert [m.id for m in mood.modules] == ["pienet-teot", "ajatukset", "uni-ja-rytmi"]
    assert [m.opens_after_days for m in mood.modules] == [0, 7, 14]
    assert mood.end_assessment.instrument == "phq9" and mood.end_assessment.after_days > 14
    assert mood.start.assessment.bands == ((0, 4), (5, 9)) and mood.start.assessment.only_below_threshold


def test_every_step_has_content_an_exercise_a_check_in_and_both_urgencies(programmes):
    for programme in programmes.values():
        assert programme.version >= 1
        assert {o.urgency for o in programme.worse.options} == {"urgent", "normal"}
        assert programme.worse.label == "Tilanteeni on huonompi"
        for module in programme.modules:
            assert module.content and module.exercise.task and module.exercise.prompt
            assert len(module.check_in.options) >= 2


def test_alcohol_offers_reduce_and_stop_and_a_diary_in_standard_drinks(programmes):
    alcohol = programmes["alkoholi"]
    assert [g.value for g in alcohol.goals.options] == ["reduce", "stop"]
    assert "vähentää" in alcohol.goals.options[0].label and "lopettaa" in alcohol.goals.options[1].label
    assert alcohol.diary.unit == "annos" and alcohol.diary.grams_per_unit == 12
    assert any(m.exercise.records == "diary" for m in alcohol.modules)
    for example in alcohol.diary.examples:  # the usual examples of one standard drink are each about one
        assert standard_drinks(example.centilitres, example.percent) == pytest.approx(1.0, abs=0.1)


# --- refusals: a broken copy of a shipped file --------------------------------------------------

def _edit_yaml(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    folder = tmp_path / "programmes"
    shutil.copytree(DEFAULT_PROGRAMMES_DIR, folder)
    yaml = YAML(typ="rt")
    yaml.width = 4096
    doc = yaml.load((folder / name).read_text(encoding="utf-8"))
    edit(doc)
    with (folder / name).open("w", encoding="utf-8") as out:
        yaml.dump(doc, out)
    return folder


def _edit_text(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "programmes"
    shutil.copytree(DEFAULT_PROGRAMMES_DIR, folder)
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text
    (folder / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _refused(folder: Path, context: ProgrammeContext, name: str, field: str, message: str) -> str:
    found, problems = load_programmes(folder, context)
    report = "\n".join(str(p) for p in problems)
    assert name.removesuffix(".yml") not in found            # nothing half-way: the broken file is not loaded
    assert len(found) == len(list(DEFAULT_PROGRAMMES_DIR.glob("*.yml"))) - 1
    hits = [str(p) for p in problems if message in p.message]
    assert hits, report
    assert re.match(rf".*{re.escape(name)}:\d+: {re.escape(field)}", hits[0]), hits[0]
    return hits[0]


TEXT_REFUSALS = [
    ("mieliala.yml", "instrument: phq9", "instrument: phq8", "instrument", "Tuntematon kysely 'phq8'"),
    ("mieliala.yml", "masennus-omahoito-kaamos,", "masennus-kaamos-x,", "start.paths",
     "Polkua 'masennus-kaamos-x' ei ole kirjastossa"),
    ("mieliala.yml", "  - id: ajatukset", "  - id: pienet-teot", "modules[2] (pienet-teot).id",
     "Osion tunniste 'pienet-teot' on kahteen kertaan"),
    ("mieliala.yml", "opens_after_days: 14", "opens_after_days: 7", "modules[3] (uni-ja-rytmi).opens_after_days",
     "ei ole enemmän kuin edellisen osion 7"),
    ("mieliala.yml", "opens_after_days: 0", "opens_after_days: 2", "modules[1] (pienet-teot).opens_after_days",
     "Ensimmäinen osio avautuu heti"),
    ("mieliala.yml", "after_days: 21", "after_days: 14", "end_assessment.after_days", "enemmän kuin 14 päivää"),
    ("mieliala.yml", "version: 1", "version: 0", "version", "Versio on kokonaisluku"),
    ("mieliala.yml", "id: mieliala", "id: mieliala-2", "id", "ei vastaa tiedoston nimeä"),
    ("mieliala.yml", '"0-4", "5-9"', '"0-4", "5-10"', "start.assessment.bands", "Pisteraja 5-10 ei ole kyselyn phq9"),
    ("mieliala.yml", '"0-4", "5-9"', '"5-9", "10-14"', "start.assessment.bands", "raja-arvon yläpuolella"),
    ("mieliala.yml", "records: number", "records: video", "modules[3] (uni-ja-rytmi).exercise.records",
     "Kirjattava asia on jokin näistä"),
    ("mieliala.yml", "records: number", "records: diary", "modules[3] (uni-ja-rytmi).exercise.records",
     "tarvitsee ohjelmalle päiväkirjan"),
    ("mieliala.yml", "{{contacts.crisis_line.phone}}", "09 2525 0111", "worse.text",
     "Valtakunnallinen numero '09 2525 0111'"),
    ("mieliala.yml", "{{contacts.crisis_line.phone}}", "{{contacts.puuttuva.phone}}", "worse.text",
     "Paikkamerkkiä {{contacts.puuttuva.phone}} ei löydy"),
    ("mieliala.yml", "urgency: urgent", "urgency: normal", "worse.options", "Anna sekä kiireellinen"),
    ("mieliala.yml", "urgency: urgent", "urgency: asap", "worse.options[1].urgency", "Kiireellisyys on urgent tai normal"),
    ("mieliala.yml", "title: Uni ja arjen rytmi", "title: " + "Uni " * 30, "modules[3] (uni-ja-rytmi).title",
     "Teksti on liian pitkä"),
    ("mieliala.yml", "{value: some, label:", "{value: all, label:", "modules[1] (pienet-teot).check_in.options[2]",
     "value 'all' on kahteen kertaan"),
    ("alkoholi.yml", "percent: 4.7}", "percent: 8}", "diary.examples[1]", "noin 1.7 annosta eikä yksi annos"),
    ("alkoholi.yml", "grams_per_unit: 12", "grams_per_unit: nolla", "diary.grams_per_unit", "Annoksen grammat"),
    ("stressi.yml", "instrument: gad7\n", "", "start.assessment", "tarvitsee ohjelman kyselyn"),
]


@pytest.mark.parametrize("name, old, new, field, message", TEXT_REFUSALS)
def test_a_broken_line_is_refused_with_file_line_and_field(tmp_path, context, name, old, new, field, message):
    _refused(_edit_text(tmp_path, name, old, new), context, name, field, message)


def _module(doc: Any, index: int) -> Any:
    return doc["modules"][index]


YAML_REFUSALS = [
    ("mieliala.yml", lambda doc: _module(doc, 1).pop("exercise"), "modules[2] (ajatukset).exercise",
     "Pakollinen kohta puuttuu"),
    ("stressi.yml", lambda doc: _module(doc, 0).pop("check_in"), "modules[1] (kuormitus-ja-palautuminen).check_in",
     "Pakollinen kohta puuttuu"),
    ("alkoholi.yml", lambda doc: doc["goals"].__setitem__("options", []), "goals.options", "Tavoitelista on tyhjä"),
    ("alkoholi.yml", lambda doc: doc["goals"]["options"].pop(), "goals.options", "vähintään 2 vaihtoehtoa"),
    ("mieliala.yml", lambda doc: _module(doc, 0)["content"].append("Pitkä kappale. " * 50),
     "modules[1] (pienet-teot).content[4]", "Teksti on liian pitkä"),
    ("mieliala.yml", lambda doc: _module(doc, 0)["content"].extend(["Kappale, joka on lähes rajan mittainen. " * 14] * 2),
     "modules[1] (pienet-teot).content", "Osion teksti on liian pitkä"),
    ("mieliala.yml", lambda doc: doc["worse"].__setitem__("text", "Kiitos, että kerroit. Valitse, kuinka pian."),
     "worse.text", "Kerro tekstissä, mistä saa apua heti"),
    ("mieliala.yml", lambda doc: _module(doc, 2)["exercise"].pop("max"), "modules[3] (uni-ja-rytmi).exercise",
     "tarvitaan min ja max"),
    ("alkoholi.yml", lambda doc: _module(doc, 2)["exercise"]["options"].pop(slice(1, None)),
     "modules[3] (mielihalu).exercise.options", "vähintään 2 vaihtoehtoa"),
    ("stressi.yml", lambda doc: _module(doc, 1).__setitem__("opens_after_day", 7), "modules[2] (huolet).opens_after_day",
     "Tuntematon kenttä"),
    ("stressi.yml", lambda doc: doc.__setitem__("start", {"professional": False}), "start", "ainakin yksi tapa"),
]


@pytest.mark.parametrize("name, edit, field, message", YAML_REFUSALS)
def test_a_broken_structure_is_refused_with_file_line_and_field(tmp_path, context, name, edit, field, message):
    _refused(_edit_yaml(tmp_path, name, edit), context, name, field, message)


def test_broken_yaml_is_reported_with_its_line(tmp_path, context):
    folder = _edit_text(tmp_path, "stressi.yml", "title: Stressin", "title: [Stressin")
    _, problems = load_programmes(folder, context)
    assert any("stressi.yml" in p.file and p.line and "YAML-virhe" in p.message for p in problems), problems


def test_without_context_only_the_files_own_rules_are_checked(tmp_path):
    folder = _edit_text(tmp_path, "mieliala.yml", "instrument: phq9", "instrument: phq8")
    found, problems = load_programmes(folder)
    assert problems == [] and found["mieliala"].instrument == "phq8"


def test_guidance_validate_checks_the_programmes(tmp_path, monkeypatch, capsys):
    assert cli.main(["validate"]) == 0
    assert f"{len(list(DEFAULT_PROGRAMMES_DIR.glob('*.yml')))} omahoito-ohjelmaa" in capsys.readouterr().out
    folder = _edit_text(tmp_path, "alkoholi.yml", "urgency: urgent", "urgency: normal")
    monkeypatch.setattr(cli, "load_library", lambda require_all_topics: load_library(
        LibrarySources(programmes_dir=folder), require_all_topics))
    assert cli.main(["validate"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"alkoholi\.yml:\d+: worse\.options: Anna sekä kiireellinen", out), out


def test_a_broken_programme_keeps_the_library_from_loading_and_an_edit_is_noticed(tmp_path):
    folder = _edit_text(tmp_path, "mieliala.yml", "version: 1", "version: 2")
    sources = LibrarySources(programmes_dir=folder)
    assert load_library(sources).programmes["mieliala"].version == 2
    before = fingerprint(sources)
    text = (folder / "mieliala.yml").read_text(encoding="utf-8")
    (folder / "mieliala.yml").write_text(text.replace("version: 2", "version: kaksi"), encoding="utf-8")
    assert fingerprint(sources) != before
    with pytest.raises(LibraryInvalid) as err:
        load_library(sources)
    assert "mieliala.yml" in err.value.report() and "Versio" in err.value.report()


# --- dates, progress, diary -------------------------------------------------------------------

@pytest.mark.parametrize("day, opened", [(-1, []), (0, ["pienet-teot"]), (6, ["pienet-teot"]),
                                         (7, ["pienet-teot", "ajatukset"]), (13, ["pienet-teot", "ajatukset"]),
                                         (14, ["pienet-teot", "ajatukset", "uni-ja-rytmi"]),
                                         (400, ["pienet-teot", "ajatukset", "uni-ja-rytmi"])])
def test_modules_open_by_days_from_the_start(programmes, day, opened):
    today = START + dt.timedelta(days=day)
    assert [m.id for m in open_modules(programmes["mieliala"], START, today)] == opened


def test_next_opening_and_the_end_assessment(programmes):
    mood = programmes["mieliala"]
    assert next_opening(mood, START, START) == START + dt.timedelta(days=7)
    assert next_opening(mood, START, START + dt.timedelta(days=7)) == START + dt.timedelta(days=14)
    assert next_opening(mood, START, START + dt.timedelta(days=15)) == START + dt.timedelta(days=21)
    assert next_opening(mood, START, START + dt.timedelta(days=21)) is None
    assert not end_assessment_open(mood, START, START + dt.timedelta(days=20))
    assert end_assessment_open(mood, START, START + dt.timedelta(days=21))


def test_progress_is_the_share_of_modules_done(programmes):
    mood = programmes["mieliala"]
    assert progress(mood, []) == 0.0
    assert progress(mood, ["pienet-teot"]) == pytest.approx(1 / 3)
    assert progress(mood, ["pienet-teot", "pienet-teot", "ajatukset"]) == pytest.approx(2 / 3)
    assert progress(mood, ["pienet-teot", "poistettu-osio"]) == pytest.approx(1 / 3)  # an older version's module
    assert progress(mood, [m.id for m in mood.modules]) == 1.0


def test_a_single_assigned_module_is_open_at_once_and_alone_counts(programmes):
    mood, alcohol = programmes["mieliala"], programmes["alkoholi"]
    assert as_enrolled(mood, None) is mood
    sleep = as_enrolled(mood, "uni-ja-rytmi")  # day 14 of the whole programme
    assert sleep is not None and [m.id for m in sleep.modules] == ["uni-ja-rytmi"]
    assert [m.id for m in open_modules(sleep, START, START)] == ["uni-ja-rytmi"]
    assert next_opening(sleep, START, START) is None and not end_assessment_open(sleep, START, START + dt.timedelta(99))
    assert progress(sleep, []) == 0.0 and progress(sleep, ["uni-ja-rytmi", "pienet-teot"]) == 1.0
    assert sleep.diary is None and sleep.title == mood.title
    assert as_enrolled(alcohol, "tavoite-ja-paivakirja").diary == alcohol.diary  # its exercise is the diary
    assert as_enrolled(alcohol, "tilanteet").diary is None
    assert as_enrolled(mood, "poistettu-osio") is None  # an older version's module
    assert mood.module("uni-ja-rytmi").opens_after_days == 14  # the library's programme is untouched


def test_weekly_totals_add_up_each_programme_week_and_a_later_entry_corrects_its_day():
    day = lambda n: START + dt.timedelta(days=n)  # noqa: E731
    entries = [(day(0), 2), (day(1), 0), (day(6), 4.5), (day(6), 1),   # week 1: day 6 corrected to 1
               (day(7), 3),                                           # week 2: day 7 starts it
               (day(20), 2), (day(20), 0)]                            # week 3 (days 14-20): a dry day after all
    weeks = weekly_totals(entries, START)
    assert [(w.week, w.total, w.days_recorded, w.dry_days) for w in weeks] == [
        (1, 3.0, 3, 1), (2, 3.0, 1, 0), (3, 0.0, 1, 1)]
    assert weeks[0].starts == START and weeks[0].ends == day(6) and weeks[2].starts == day(14)


def test_a_week_without_entries_is_listed_as_not_recorded():
    entries = [DiaryEntry(START, 5), DiaryEntry(START + dt.timedelta(days=15), 2)]
    weeks = weekly_totals(entries, START, until=START + dt.timedelta(days=22))
    assert [(w.week, w.total, w.days_recorded) for w in weeks] == [(1, 5, 1), (2, 0, 0), (3, 2, 1), (4, 0, 0)]
    assert weekly_totals([], START) == []
    assert [w.days_recorded for w in weekly_totals([], START, until=START)] == [0]


@pytest.mark.parametrize("entry", [(START - dt.timedelta(days=1), 1), (START, -1)])
def test_a_diary_entry_before_the_start_or_negative_is_an_error(entry):
    with pytest.raises(ValueError):
        weekly_totals([entry], START)


def test_standard_drinks_by_volume_and_strength():
    assert standard_drinks(33, 4.7) == pytest.approx(1.02, abs=0.01)
    assert standard_drinks(75, 12) == pytest.approx(5.9, abs=0.1)   # a bottle of wine: about six
    assert standard_drinks(50, 5.5) == pytest.approx(1.8, abs=0.1)  # a half-litre can of strong beer


# --- when a programme is offered -----------------------------------------------------------------

def _result(library, instrument_id: str, points: list[int], background: dict | None = None):
    instrument = library.instruments[instrument_id]
    return score(instrument, {item.id: p for item, p in zip(instrument.items, points)}, background)


def test_offered_after_a_result_below_the_threshold_in_the_listed_bands(library, programmes):
    below = _result(library, "phq9", [1, 1, 1, 1, 1, 1, 1, 0, 0])     # 7: mild, below 10
    assert [p.id for p in offered_after_assessment(programmes.values(), below)] == ["mieliala"]
    above = _result(library, "phq9", [2, 2, 2, 2, 2, 1, 0, 0, 0])     # 11: at or above 10
    assert offered_after_assessment(programmes.values(), above) == []
    crisis = _result(library, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])   # item 9: crisis guidance, not self-care
    assert crisis.crisis and offered_after_assessment(programmes.values(), crisis) == []
    worry = _result(library, "gad7", [1, 1, 1, 0, 0, 0, 0])
    assert [p.id for p in offered_after_assessment(programmes.values(), worry)] == ["stressi"]


def test_alcohol_is_offered_whatever_the_auditc_result(library, programmes):
    risky = _result(library, "auditc", [4, 3, 3], {"age": "20_64", "sex": "man"})
    low = _result(library, "auditc", [1, 0, 0], {"age": "20_64", "sex": "man"})
    assert risky.at_or_above and not low.at_or_above
    for result in (risky, low):
        assert [p.id for p in offered_after_assessment(programmes.values(), result)] == ["alkoholi"]


def test_offered_on_the_paths_it_names(programmes):
    assert [p.id for p in offered_on_path(programmes.values(), "alkoholi-itsearvio")] == ["alkoholi"]
    assert [p.id for p in offered_on_path(programmes.values(), "stressi-ja-uupumus")] == ["stressi"]
    assert offered_on_path(programmes.values(), "flunssa") == []


def test_a_resident_starts_a_programme_themselves_only_as_its_assessment_rule_allows(library):
    from guidance_library.programme import open_to_start

    mood, alcohol, phq9, auditc = (library.programmes["mieliala"], library.programmes["alkoholi"],
                                   library.instruments["phq9"], library.instruments["auditc"])
    assert open_to_start(mood, phq9, None)            # no result of the programme's assessment: open
    assert open_to_start(mood, phq9, 3) and open_to_start(mood, phq9, 9)
    assert not open_to_start(mood, phq9, 10) and not open_to_start(mood, phq9, 20)  # a professional first
    lowest = min([auditc.default_threshold, *(r.min for r in auditc.threshold_rules)])
    assert open_to_start(alcohol, auditc, lowest + 3)  # alcohol runs alongside the contact offer
