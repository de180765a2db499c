"""`guidance import-ptv`: PTV v11 services and channels become valid drafts and profile contacts."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from guidance_library.tools import cli
from guidance_library.tools.ptv import (PtvFormatError, facet_slug, finnish_phone, import_services, opening_hours,
                                        profile_contacts, read_items, write_result)
from guidance_library.validation import check_path_document

FIXTURE = Path(__file__).parent / "fixtures" / "ptv"


def _import(library, suggest=lambda text: "hammashoito-ajanvaraus" if "hammas" in text.lower() else "perheneuvola"):
    return import_services(read_items(FIXTURE / "services.json"), read_items(FIXTURE / "channels.json"),
                           library, suggest, today=dt.date(2026, 11, 23))


def test_published_finnish_services_become_drafts_others_are_reported(library):
    result = _import(library)
    assert [d.document["title"] for d in result.drafts] == ["Hammashoidon ajanvaraus aikuisille", "Perheneuvola"]
    assert len(result.skipped) == 2
    assert any("Draft" in s for s in result.skipped) and any("suomenkielistä" in s for s in result.skipped)
    dental = result.drafts[0]
    assert dental.path_id == "hammashoito-ajanvaraus-aikuisille" and dental.area == "suun-terveys"
    assert dental.document["status"] == "draft"
    assert "<b>" not in dental.document["answer"] and "Särkytapauksissa soita" in dental.document["answer"]
    assert dental.document["sources"][0]["url"].endswith("5b1f4a2e-0c3d-4e8a-9f10-2a6c7d8e9f01")
    assert dental.document["owner"] == "Esimerkin hyvinvointialue"


def test_channels_become_contacts_and_known_numbers_reuse_the_profile_entry(library):
    result = _import(library)
    dental = result.drafts[0].document
    # the phone channel has the profile's dental booking number: reused, not duplicated
    assert dental["contacts"][0] == "dental_booking" and result.contacts["dental_booking"].reused
    location = result.contacts["ptv_esimerkkilan_hammashoitola"].entry
    assert location["address"] == "Hammastie 4, 99990 Esimerkkilä"
    assert location["hours"] == "ma–pe klo 7.30–15"
    assert location["email"] == "hammashoito@hyvinvointialue.example.fi"
    eservice = result.contacts["ptv_hammashoidon_sahkoinen_ajanvar"].entry
    assert eservice["hours"] == "aina auki" and eservice["url"].startswith("https://asiointi.")
    assert {"name": "Hammashoidon sähköinen ajanvaraus", "url": eservice["url"]} in dental["links"]
    assert result.drafts[1].document["contacts"] == ["client_guidance"]  # same number as the profile's first entry


def test_drafts_are_valid_paths_except_for_what_the_editor_must_add(library, tmp_path):
    result = _import(library)
    written = write_result(result, tmp_path)
    assert (tmp_path / "profile_contacts.yml") in written
    scope = library.profile.placeholder_scope(library.national_contacts)
    keys = set(library.profile.contacts) | set(library.national_contacts) | set(profile_contacts(result))
    for draft in result.drafts:
        file = tmp_path / "paths" / draft.area / f"{draft.path_id}.yml"
        text = file.read_text(encoding="utf-8")
        assert text.startswith("# Tuotu Palvelutietovarannosta")
        problems = check_path_document(YAML().load(text), str(file), library.topics, scope, keys, draft.path_id)
        assert [p.message for p in problems if "Esimerkkejä on" not in p.message] == []
        assert any("esimerkeiksi" in item for item in draft.to_do) == any("Esimerkkejä on" in p.message for p in problems)
    contacts = YAML().load((tmp_path / "profile_contacts.yml").read_text(encoding="utf-8"))["contacts"]
    assert "dental_booking" not in contacts and "ptv_esimerkkilan_hammashoitola" in contacts


@pytest.mark.parametrize("number, expected", [
    ({"prefixNumber": "+358", "number": "35550300"}, "03 5550300"),
    ({"prefixNumber": "+358", "number": "401234567"}, "040 1234567"),
    ({"isFinnishServiceNumber": True, "number": "0800 147 111"}, "0800147111"),
    ({"prefixNumber": "+46", "number": "812345678"}, None),
    ({"prefixNumber": "+358", "number": ""}, None),
])
def test_phone_numbers_in_finnish_form(number, expected):
    assert finnish_phone(number) == expected


def test_opening_hours_and_ids():
    hours = [{"serviceHourType": "DaysOfTheWeek", "openingHour": [
        {"dayFrom": "Monday", "dayTo": "Thursday", "from": "08:00:00", "to": "15:00:00"},
        {"dayFrom": "Friday", "from": "08:00:00", "to": "13:30:00"}]},
        {"serviceHourType": "Exceptional", "isClosed": True}]
    assert opening_hours(hours) == "ma–to klo 8–15, pe klo 8–13.30"
    assert opening_hours([]) is None
    assert facet_slug("Perheneuvola", "perheneuvola") == "ptv"
    assert facet_slug("Äitiysneuvolan ryhmät", "neuvola") == "aitiysneuvolan-ryhmat"


def test_bad_input_gets_a_clear_message(tmp_path, capsys):
    broken = tmp_path / "services.json"
    broken.write_text("{ei jsonia", encoding="utf-8")
    with pytest.raises(PtvFormatError, match="ei ole kelvollista JSONia"):
        read_items(broken)
    broken.write_text('{"jotain": 1}', encoding="utf-8")
    with pytest.raises(PtvFormatError, match="odotettiin PTV v11"):
        read_items(broken)
    assert cli.main(["import-ptv", str(broken), "--output", str(tmp_path / "out")]) == 2
    assert "Tuonti keskeytyi" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
