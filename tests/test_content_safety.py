"""Content safety (issue 14, item 6): national numbers come from region/national.yml and are right,
no-show fees and chest pain are told correctly, and mental-health and substance paths end with the
crisis line."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from guidance_library.loader import DEFAULT_PATHS_DIR, LibraryInvalid, LibrarySources, load_library
from guidance_library.rendering import render_path
from guidance_library.validation import national_number_pattern

EXAMPLE = DEFAULT_PATHS_DIR / "terveysasema" / "ajanvaraus-terveysasema.yml"
CRISIS = "{{contacts.crisis_line.phone}}"


@pytest.fixture()
def library_copy(tmp_path):
    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    return LibrarySources(paths_dir=paths_dir)


def _write(sources: LibrarySources, text: str) -> None:
    (sources.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml").write_text(text, encoding="utf-8")


def _report(sources: LibrarySources) -> str:
    with pytest.raises(LibraryInvalid) as err:
        load_library(sources)
    return err.value.report()


def _answer_line(text: str, typed: str) -> int:
    return text.splitlines().index(f"  Soita {typed}.") + 1


@pytest.mark.parametrize("typed, placeholder", [
    ("0925250111", "{{contacts.crisis_line.phone}}"),
    ("09-2525 0111", "{{contacts.crisis_line.phone}}"),
    ("+358 9 2525 0111", "{{contacts.crisis_line.phone}}"),
    ("116117", "{{contacts.paivystysapu.phone}}"),
    ("116 117", "{{contacts.paivystysapu.phone}}"),
    ("116 006", "{{contacts.victim_support.phone}}"),
    ("09 2525 0112", "{{contacts.crisis_line_swedish.phone}}"),
])
def test_a_typed_national_number_is_an_error_naming_file_line_number_and_placeholder(library_copy, typed, placeholder):
    text = EXAMPLE.read_text(encoding="utf-8").replace("answer: |\n", f"answer: |\n  Soita {typed}.\n", 1)
    _write(library_copy, text)
    report = _report(library_copy)
    line = _answer_line(text, typed)
    assert f"ajanvaraus-terveysasema.yml:{line}: Valtakunnallinen numero '{typed}'" in report, report
    assert placeholder in report


def test_the_placeholder_and_112_are_accepted(library_copy):
    _write(library_copy, EXAMPLE.read_text(encoding="utf-8").replace(
        "answer: |\n", "answer: |\n  Soita 112 tai Kriisipuhelimeen {{contacts.crisis_line.phone}}.\n", 1))
    assert load_library(library_copy).get("ajanvaraus-terveysasema") is not None


def test_urgent_signs_link_names_and_titles_are_checked_examples_are_not(library_copy):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("examples:\n", "examples:\n  - mikä on 116117 numero ja milloin sinne soitetaan\n", 1)
    text = re.sub(r"^title: (.*)$", r"title: \1 (116117)", text, count=1, flags=re.M)
    text = text.replace("urgent_signs:\n", "urgent_signs:\n  - Soita Myrkytystietokeskukseen 0800 147 111.\n", 1)
    text = text.replace("  - name: Omaolo\n", "  - name: Nollalinja 080 005 005\n    url: https://www.nollalinja.fi\n"
                                            "  - name: Omaolo\n", 1)
    _write(library_copy, text)
    report = _report(library_copy)
    lines = text.splitlines()
    assert "ajanvaraus-terveysasema.yml:3: Otsikossa on valtakunnallinen numero '116117'" in report, report
    sign = lines.index("  - Soita Myrkytystietokeskukseen 0800 147 111.") + 1
    assert f"ajanvaraus-terveysasema.yml:{sign}: Valtakunnallinen numero '0800 147 111'" in report, report
    assert "{{contacts.poison_information.phone}}" in report and "{{contacts.nollalinja.phone}}" in report
    assert "mikä on 116117" not in report
    assert report.count("ajanvaraus-terveysasema.yml") == 3, report


@pytest.mark.parametrize("text, found", [("soita 116117", True), ("1161170", False), ("09 2525 01112", False),
                                         ("09 2525 0112", False), ("klo 11.16", False)])
def test_national_number_pattern_matches_whole_numbers_only(text, found):
    assert bool(national_number_pattern("116117").search(text) or national_number_pattern("09 2525 0111").search(text)) is found


def test_national_contacts_have_the_right_numbers(library):
    contacts = library.national_contacts
    assert contacts["victim_support"].name == "Rikosuhripäivystys"
    assert contacts["victim_support"].phone == "116 006"
    assert contacts["crisis_line_swedish"].phone == "09 2525 0112"
    assert "ruotsinkielinen" in contacts["crisis_line_swedish"].name
    assert contacts["crisis_line"].phone == "09 2525 0111"


def _all_paths(library):
    return [*library.paths, *library.drafts]


def test_no_path_has_the_old_victim_support_number(library):
    old = national_number_pattern("0203 16116")
    for file in DEFAULT_PATHS_DIR.rglob("*.yml"):
        assert not old.search(file.read_text(encoding="utf-8")), file
    for path in _all_paths(library):
        assert not old.search(render_path(path, library).as_text()), path.id


@pytest.mark.parametrize("path_id", ["asiakasmaksut-peruuttamaton-aika", "ajan-peruminen"])
def test_no_show_fee_is_charged_only_from_adults(library, path_id):
    answer = library.get(path_id).answer
    assert "18 vuotta täyttäneeltä" in answer and "Alle 18-vuotia" in answer.replace("alle 18", "Alle 18")
    assert "15 vuotta" not in answer


def test_pressing_chest_pain_is_112_whatever_its_duration(library):
    path = library.get("hatanumero-112-sydan")
    text = render_path(path, library).text.lower()
    assert "lihaks" not in text and "harmiton" not in text and "vaaraton" not in text
    assert any("112" in sign and "puristav" in sign and "kest" in sign for sign in path.urgent_signs)
    assert "puristaa" in path.answer and "vaikka kipu kestäisi vain hetken" in path.answer


def _area(path) -> str:
    return Path(path.source_file).relative_to(DEFAULT_PATHS_DIR).parts[0]


def test_every_mental_health_and_substance_path_ends_with_the_crisis_line(library):
    crisis = library.national_contacts["crisis_line"].phone
    checked = 0
    for path in _all_paths(library):
        if _area(path) not in ("mielenterveys", "paihteet"):
            continue
        checked += 1
        last_block = "\n".join(path.urgent_signs) if path.urgent_signs else path.answer
        assert CRISIS in last_block and "112" in last_block, path.id
        rendered = render_path(path, library).text
        assert crisis in rendered.split("Yhteystiedot:")[0], path.id
    assert checked > 80


def test_dental_swelling_escalates_to_112_when_breathing_or_swallowing_is_hard(library):
    swelling = re.compile(r"turvo|turpo|paise")
    for path in _all_paths(library):
        if _area(path) != "suun-terveys" or not any(swelling.search(s) for s in path.urgent_signs):
            continue
        assert any("112" in s and "hengit" in s and "niele" in s for s in path.urgent_signs), path.id
