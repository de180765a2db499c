"""Self-assessment instruments: scoring exactly by the published rules, bands, thresholds, crisis
item, and reading free-text answers."""
from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guidance_library.instruments import match_answer, match_choice, questions_left, score
from guidance_library.loader import DEFAULT_INSTRUMENTS_DIR, load_instruments


@pytest.fixture(scope="module")
def instruments(library):
    found, problems = load_instruments(DEFAULT_INSTRUMENTS_DIR, [p.id for p in library.paths])
    assert problems == []
    return found


def answers_for(instrument, points):
    return {item.id: p for item, p in zip(instrument.items, points)}


PHQ9_BANDS = [(0, 4, "vähäisiä"), (5, 9, "lieviä"), (10, 14, "kohtalaisia"), (15, 19, "melko vaikeita"),
              (20, 27, "vaikeita")]
GAD7_BANDS = [(0, 4, "vähäisiä"), (5, 9, "lieviä"), (10, 14, "kohtalaisia"), (15, 21, "vaikeita")]


def expected_band(bands, total):
    return next(word for low, high, word in bands if low <= total <= high)


@pytest.mark.parametrize("instrument_id, items, bands, max_score, crisis_item", [
    ("phq9", 9, PHQ9_BANDS, 27, 8),    # PHQ-9: any point on item 9 (thoughts of self-harm) is a crisis
    ("gad7", 7, GAD7_BANDS, 21, None),  # GAD-7 has no crisis item
])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_total_band_threshold_and_crisis_item(instruments, instrument_id, items, bands, max_score, crisis_item, data):
    """Scored by the published rules: the sum of the items' points, its band, the cut-off 10."""
    instrument = instruments[instrument_id]
    points = data.draw(st.lists(st.integers(0, 3), min_size=items, max_size=items))
    result = score(instrument, answers_for(instrument, points))
    assert result.total == sum(points) and result.max_score == max_score
    assert result.band.startswith(expected_band(bands, sum(points)))
    assert result.at_or_above == (sum(points) >= 10)
    assert result.crisis == (crisis_item is not None and points[crisis_item] > 0)


def finnish_auditc_cutoff(age, sex):
    if age == "65_plus":
        return 4
    if age == "20_64" and sex == "man":
        return 6
    if age == "20_64" and sex == "woman":
        return 5
    return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=3, max_size=3),
       st.sampled_from(["under_20", "20_64", "65_plus", "untold", None]),
       st.sampled_from(["man", "woman", "untold", None]))
def test_auditc_total_and_finnish_cutoffs(instruments, points, age, sex):
    auditc = instruments["auditc"]
    background = {k: v for k, v in (("age", age), ("sex", sex)) if v is not None}
    result = score(auditc, answers_for(auditc, points), background)
    expected_total = 0 if points[0] == 0 else sum(points)  # "never" ends the questionnaire
    assert result.total == expected_total and result.max_score == 12
    cutoff = finnish_auditc_cutoff(age, sex)
    if cutoff is not None:
        assert result.threshold == cutoff and result.threshold_note == ""
    elif age == "under_20":
        assert result.threshold == 4
    else:
        assert result.threshold == 5 and "ei kerrottu" in result.threshold_note
    assert result.at_or_above == (expected_total >= result.threshold)


@pytest.mark.parametrize("age, sex, total, above", [
    ("20_64", "man", 5, False), ("20_64", "man", 6, True),
    ("20_64", "woman", 4, False), ("20_64", "woman", 5, True),
    ("65_plus", None, 3, False), ("65_plus", None, 4, True),
])
def test_auditc_band_edges(instruments, age, sex, total, above):
    auditc = instruments["auditc"]
    points = {4: [1, 1, 2], 5: [1, 2, 2], 6: [2, 2, 2], 3: [1, 1, 1]}[total]
    background = {"age": age, **({"sex": sex} if sex else {})}
    assert score(auditc, answers_for(auditc, points), background).at_or_above is above


def test_phq9_band_edges(instruments):
    phq9 = instruments["phq9"]
    for total, band, above in [(4, "vähäisiä", False), (5, "lieviä", False), (9, "lieviä", False),
                               (10, "kohtalaisia", True), (14, "kohtalaisia", True), (15, "melko vaikeita", True),
                               (19, "melko vaikeita", True), (20, "vaikeita", True), (27, "vaikeita", True)]:
        points = [3] * (total // 3) + ([total % 3] if total % 3 else [])
        points = (points + [0] * 9)[:8] + [0]
        if sum(points) != total:  # totals above 24 need item 9 too
            points[8] = total - sum(points)
        result = score(phq9, answers_for(phq9, points))
        assert result.total == total and result.band.startswith(band) and result.at_or_above is above


def test_skipped_items_make_the_total_a_lower_bound(instruments):
    phq9 = instruments["phq9"]
    answers = answers_for(phq9, [3, 3, 3, 0, 0, 0, 0, 0])
    answers["movement"] = None
    result = score(phq9, answers)
    assert result.total == 9 and result.skipped == ("movement", "self_harm")
    with pytest.raises(ValueError):
        score(phq9, {"interest": 7})


def test_never_drinking_ends_auditc(instruments):
    auditc = instruments["auditc"]
    assert questions_left(auditc, {}) == [0, 1, 2]
    assert questions_left(auditc, {"frequency": 0}) == []
    assert questions_left(auditc, {"frequency": 2}) == [1, 2]


@pytest.mark.parametrize("text, points", [
    ("en kertaakaan", 0), ("Ei lainkaan", 0), ("ei ollenkaan oikeastaan", 0),
    ("ehkä pari kertaa", 1), ("useana paivana", 1), ("joskus", 1),
    ("yli puolena päivistä", 2), ("usein", 2),
    ("melkein joka päivä", 3), ("lähes joka paiva", 3), ("2", 2), ("0", 0), ("koko ajan", 3),
    ("melkei joka päivä", 3),
])
def test_free_text_answers_phq9(instruments, text, points):
    item = instruments["phq9"].items[0]
    option = match_answer(item, text)
    assert option is not None and option.points == points


@pytest.mark.parametrize("text", ["banaani", "en tiedä", "7", "", "joskus ja joka päivä"])
def test_answers_that_fit_no_option_are_not_guessed(instruments, text):
    assert match_answer(instruments["phq9"].items[0], text) is None


@pytest.mark.parametrize("text, points", [("4", 1), ("yleensä 4 kaljaa", 1), ("10", 4), ("kaksi", 0), ("7-9", 3),
                                          ("7–9 annosta", 3)])
def test_drink_counts_map_to_ranges(instruments, text, points):
    option = match_answer(instruments["auditc"].item("quantity"), text)
    assert option is not None and option.points == points


def test_background_choices(instruments):
    age = instruments["auditc"].background[0]
    assert match_choice(age, "65_plus").value == "65_plus"
    assert match_choice(age, "20–64 vuotta").value == "20_64"
    assert match_choice(age, "en halua kertoa").value == "untold"
    assert match_choice(age, "banaani") is None


def test_a_broken_instrument_file_is_reported(tmp_path, library):
    for file in DEFAULT_INSTRUMENTS_DIR.glob("*.yml"):
        shutil.copy(file, tmp_path / file.name)
    text = (tmp_path / "gad7.yml").read_text(encoding="utf-8")
    (tmp_path / "gad7.yml").write_text(text.replace("{min: 15, max: 21", "{min: 16, max: 21"), encoding="utf-8")
    (tmp_path / "bdi.yml").write_text(text.replace("id: gad7", "id: bdi"), encoding="utf-8")
    found, problems = load_instruments(tmp_path, [p.id for p in library.paths])
    messages = " ".join(p.message for p in problems)
    assert "eivät kata pisteitä" in messages and "BDI" in messages
    assert set(found) == {"phq9", "auditc"}


@pytest.mark.parametrize("item, text, points", [
    ("phq9", "10 päivänä", 2), ("phq9", "pari kertaa viikossa", 1), ("phq9", "kuus päivää", 1),
    ("phq9", "ei kertaakaan näiden kahden viikon aikana", 0), ("phq9", "joka päivä viimeiset kaks viikkoa", 3),
    ("auditc-frequency", "kahdesti viikossa", 3), ("auditc-frequency", "kerran viikossa", 2),
    ("auditc-frequency", "kerran kuus", 1), ("auditc-frequency", "5 kertaa viikossa", 4),
    ("auditc-frequency", "muutaman kerran kuukaudessa", 2), ("auditc-quantity", "kuus olutta", 2),
])
def test_counted_answers_are_converted_to_the_items_unit(instruments, item, text, points):
    target = instruments["phq9"].items[0] if item == "phq9" else instruments["auditc"].item(item.split("-")[1])
    option = match_answer(target, text)
    assert option is not None and option.points == points
