"""The guidance library: every path valid and complete; the validator explains mistakes."""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from guidance_library.loader import DEFAULT_CATALOGUE, DEFAULT_EXTRA_TOPICS_DIR, DEFAULT_PATHS_DIR, LibraryInvalid, LibrarySources, load_catalogue, load_library
from guidance_library.placeholders import PLACEHOLDER
from guidance_library.rendering import render_path
from guidance_library.validation import is_finnish_phone, is_url

SHARED_CATALOGUE = Path(__file__).resolve().parents[2] / "shared" / "catalogue.yml"
EXAMPLE = DEFAULT_PATHS_DIR / "terveysasema" / "ajanvaraus-terveysasema.yml"


def test_every_catalogue_topic_has_a_path(library):
    assert {p.topic for p in library.paths} == set(library.topics)
    catalogue = {t for t, topic in library.topics.items() if topic.in_catalogue}
    assert len(catalogue) == 126 and catalogue == set(load_catalogue(DEFAULT_CATALOGUE))


@pytest.mark.skipif(not SHARED_CATALOGUE.exists(), reason="../shared/catalogue.yml is not beside this checkout")
def test_vendored_catalogue_matches_the_shared_one():
    assert load_catalogue(SHARED_CATALOGUE) == load_catalogue(Path(DEFAULT_PATHS_DIR).parent / "catalogue.yml")


def test_every_path_renders_without_placeholders_left(library):
    for path in library.paths:
        rendered = render_path(path, library)
        assert not PLACEHOLDER.search(rendered.text), path.id
        assert all(link.url.startswith("https://") for link in rendered.links), path.id


def test_paths_have_varied_examples_and_reviewed_dates(library):
    for path in library.paths:
        assert len(path.examples) >= 6, path.id
        assert len(set(path.examples)) == len(path.examples), path.id
        assert path.sources and path.owner, path.id


def test_urgent_paths_say_when_to_call(library):
    for path in library.paths:
        if path.kind == "kiire":
            assert path.urgent_signs, path.id


def test_national_numbers_are_the_real_ones(library):
    contacts = library.national_contacts
    assert contacts["emergency"].phone == "112"
    assert contacts["paivystysapu"].phone == "116117"
    assert contacts["poison_information"].phone == "0800 147 111"
    assert contacts["crisis_line"].phone == "09 2525 0111"


@pytest.mark.parametrize("number, ok", [("112", True), ("116117", True), ("0800 147 111", True),
                                        ("09 2525 0111", True), ("+358 40 123 4567", True),
                                        ("12345", False), ("puhelin", False), ("0800", False)])
def test_finnish_phone_numbers(number, ok):
    assert is_finnish_phone(number) is ok


def test_urls_must_be_https():
    assert is_url("https://www.omaolo.fi")
    assert is_url("{{contacts.client_guidance.url}}")
    assert not is_url("http://example.fi")
    assert not is_url("javascript:alert(1)")


@pytest.fixture()
def library_copy(tmp_path):
    """A writable copy of the library's path files."""
    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    return LibrarySources(paths_dir=paths_dir)


def _problems(sources) -> str:
    with pytest.raises(LibraryInvalid) as err:
        load_library(sources)
    return err.value.report()


def test_broken_yaml_is_reported_with_file_and_line(library_copy):
    target = library_copy.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml"
    target.write_text(EXAMPLE.read_text(encoding="utf-8").replace("title: ", "title: [rikki\n", 1), encoding="utf-8")
    report = _problems(library_copy)
    assert re.search(r"ajanvaraus-terveysasema\.yml:\d+: YAML-virhe", report), report


@pytest.mark.parametrize("change, message", [
    (("topic: ajanvaraus-terveysasema", "topic: ei-ole-olemassa"), "ei ole palvelutarpeiden luettelossa"),
    (("{{contacts.client_guidance.phone}}", "{{contacts.puuttuva.phone}}"), "Paikkamerkkiä {{contacts.puuttuva.phone}}"),
    (("url: https://www.omaolo.fi", "url: www.omaolo.fi"), "ei ole kelvollinen https-osoite"),
    (("kind: asiointi", "kind: muu"), "Lajin pitää olla"),
    (("id: ajanvaraus-terveysasema", "id: Väärä Tunniste"), "saa sisältää vain"),
])
def test_validator_names_the_mistake_and_the_line(library_copy, change, message):
    target = library_copy.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml"
    target.write_text(EXAMPLE.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    report = _problems(library_copy)
    assert message in report
    assert re.search(r"ajanvaraus-terveysasema\.yml:\d+:", report), report


def test_too_few_examples_is_an_error(library_copy):
    text = EXAMPLE.read_text(encoding="utf-8")
    source = library_copy.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml"
    source.write_text(re.sub(r"examples:\n(  - .*\n)+", "examples:\n  - yksi\n  - kaksi\n", text), encoding="utf-8")
    assert "tarvitaan vähintään 6" in _problems(library_copy)


def test_two_paths_with_the_same_question_are_an_error(library_copy):
    text = EXAMPLE.read_text(encoding="utf-8")
    (library_copy.paths_dir / "terveysasema" / "kopio.yml").write_text(
        text.replace("id: ajanvaraus-terveysasema", "id: kopio"), encoding="utf-8")
    assert "on myös polussa 'ajanvaraus-terveysasema'" in _problems(library_copy)


def test_missing_topic_coverage_is_an_error(library_copy):
    for file in library_copy.paths_dir.rglob("*.yml"):
        if "topic: flunssa\n" in file.read_text(encoding="utf-8"):
            file.unlink()
    assert "Aiheella 'flunssa' ei ole yhtään ohjauspolkua" in _problems(library_copy)


def test_a_draft_is_validated_but_not_served(library_copy):
    text = EXAMPLE.read_text(encoding="utf-8").replace("id: ajanvaraus-terveysasema", "id: luonnos")
    text = text.replace("examples:\n", "status: draft\nexamples:\n  - aivan oma luonnoskysymys\n", 1)
    (library_copy.paths_dir / "terveysasema" / "luonnos.yml").write_text(text, encoding="utf-8")
    library = load_library(library_copy)
    assert library.get("luonnos") is None
    assert "luonnos" in [d.id for d in library.drafts]
    (library_copy.paths_dir / "terveysasema" / "luonnos.yml").write_text(
        text.replace("status: draft", "status: valmis"), encoding="utf-8")
    assert "Tilan pitää olla published" in _problems(library_copy)


def test_topics_beyond_the_catalogue_are_allowed_but_cannot_redefine_it(library_copy, tmp_path):
    extra_dir = tmp_path / "topics"
    shutil.copytree(DEFAULT_EXTRA_TOPICS_DIR, extra_dir)
    sources = dataclasses.replace(library_copy, extra_topics_dir=extra_dir)
    (extra_dir / "oma.yml").write_text(
        '- {id: flunssa, area: omahoito, kind: omahoito, need: "toinen"}\n'
        '- {id: uusi-aihe, area: ei-aluetta, kind: omahoito, need: "x"}\n', encoding="utf-8")
    report = _problems(sources)
    assert "Aihe 'flunssa' on jo olemassa" in report and "Aluetta 'ei-aluetta' ei ole" in report
    (extra_dir / "oma.yml").write_text('- {id: uusi-aihe, area: omahoito, kind: omahoito, need: "Uusi"}\n',
                                       encoding="utf-8")
    assert "Aiheella 'uusi-aihe' ei ole yhtään ohjauspolkua" in _problems(sources)
    text = EXAMPLE.read_text(encoding="utf-8").replace("id: ajanvaraus-terveysasema", "id: uusi-aihe")
    text = text.replace("topic: ajanvaraus-terveysasema", "topic: uusi-aihe")
    text = re.sub(r"examples:\n(  - .*\n)+", "examples:\n" + "".join(f"  - oma kysymys {i}\n" for i in range(6)), text)
    (library_copy.paths_dir / "omahoito" / "uusi-aihe.yml").write_text(text, encoding="utf-8")
    loaded = load_library(sources)
    assert loaded.topics["uusi-aihe"].in_catalogue is False and loaded.get("uusi-aihe") is not None


@pytest.mark.parametrize("typed, message", [
    ("Soita 03 555 0100.", "ei ole valtakunnallinen numero"),
    ("Soita +358 040 123 4567.", "ei ole kelvollinen suomalainen numero"),
])
def test_typed_phone_numbers_must_be_national_and_well_formed(library_copy, typed, message):
    text = EXAMPLE.read_text(encoding="utf-8").replace("answer: |\n", f"answer: |\n  {typed}\n", 1)
    (library_copy.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml").write_text(text, encoding="utf-8")
    report = _problems(library_copy)
    assert message in report and re.search(r"ajanvaraus-terveysasema\.yml:\d+:", report), report


def test_national_numbers_are_placeholders_and_112_may_be_typed(library_copy):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "answer: |\n", "answer: |\n  Myrkytystietokeskus {{contacts.poison_information.phone}}, hätänumero 112, "
                        "{{contacts.paivystysapu.phone}}.\n", 1)
    (library_copy.paths_dir / "terveysasema" / "ajanvaraus-terveysasema.yml").write_text(text, encoding="utf-8")
    assert load_library(library_copy).get("ajanvaraus-terveysasema") is not None
