"""Emergency detection: the signs are found in everyday Finnish; routine questions pass."""
from __future__ import annotations

import pytest
import yaml

from bot.nlu.emergency import detect_emergency, message_forms
from guidance_library.emergency import load_emergency_rules
from guidance_library.loader import PACKAGE_DIR
from tests.conftest import PROJECT_DIR

EXAMPLES = PACKAGE_DIR / "emergency_examples.yml"


@pytest.fixture(scope="module")
def rules():
    return load_emergency_rules()


@pytest.mark.parametrize("message, category", [
    ("haluun kuolla", "suicide"),
    ("en jaksa elaa enaa", "suicide"),
    ("aion tappaa itteni", "suicide"),
    ("lapsi nielaisi pesuainetta", "poisoning"),
    ("otin liikaa unilääkkeitä", "poisoning"),
    ("mulla on kova rintakipu", "chest_pain"),
    ("puristaa rintaa ja hikoiluttaa", "chest_pain"),
    ("isän suupieli roikkuu ja puhe puuroutuu", "stroke"),
    ("isä ei herää", "unconscious"),
    ("mieheni löi minua", "violence"),
    ("haava vuotaa paljon verta eikä lakkaa", "bleeding"),
    ("en saa henkeä", "breathing"),
    ("kurkku turpoaa ampiaisen piston jälkeen", "anaphylaxis"),
    # swallowing is a sign of poisoning only with what was swallowed; trouble swallowing with slurred
    # speech is a stroke, and gets the stroke answer, not "Tämä voi olla myrkytys"
    ("nyt hänen on vaikea niellä ja puhe on epäselvää", "stroke"),
    ("taapero nuoli tiskiainetta", "poisoning"), ("taapero nielaisi jotain pientä lattialta", "poisoning"),
    ("lapsi sai sähköiskun pistorasiasta", "unconscious"), ("mökillä kamiina ja kaikilla huono olo", "poisoning"),
    # swallowing something, told in everyday speech ("et" is "että", which Voikko reads as "ei"), a few
    # words apart, or with a participle ("on syönyt"); and a count of pills with words between
    ("se sano et söi jotain", "poisoning"), ("kaveri sano et joi jotain pullosta", "poisoning"),
    ("lapsi söi äsken lattialta jotain", "poisoning"), ("joi jotakin pullosta", "poisoning"),
    ("lapsi on syönyt jotain", "poisoning"),
    ("14v tytär lukitti itsensä huoneeseen ja sanoi et on ottanut jotain", "poisoning"),
    ("otin kymmenen mummon verenpainelääkettä", "poisoning"), ("otin kymmenen kpl niitä mun tabletteja", "poisoning"),
    ("otin kymmenen 500 mg paracetamolia", "poisoning"),
    ("taapero söi marjoja pihalla", "poisoning"), ("lapsi söi koiranputken juurta", "poisoning"),
    ("ei, söin lääkkeitä", "poisoning"),  # a "no" to something, then pills eaten
])
def test_emergency_signs_are_detected(analyzer, rules, message, category):
    found = detect_emergency(message, analyzer, rules)
    assert found is not None and found.name == category


@pytest.mark.parametrize("message", [
    "miten varaan ajan lääkärille",
    "isäni kuoli viime vuonna ja suren yhä",
    "haluan lopettaa tupakoinnin",
    "verenpainelääkkeen reseptin uusiminen",
    "mummo nielee huonosti isoja tabletteja, voiko ne liottaa veteen",  # a weak sign at most: never the answer alone
    "auton jarrut hirttää kiinni ja pitäis päästä lääkäriin",  # a jammed brake, not a hanging
    "lääkkeet maksaa satoja euroja kuussa, mikä se lääkekatto on",  # hundreds of euros, not of pills
    "näin pahan kolarin eilen ja nyt en pysty nukkuun enkä syömään, onko jotain kriisiapua",  # not eating, no swallowing
    "olen syönyt kymmenen vuotta verenpainelääkettä",  # ten years, not ten pills
    "sata euroa lääkkeisiin", "kymmenen prosenttia lääkkeistä",
    "hiihdin maratonin, pitääks palautumisessa syödä jotain erityistä",
    # not eating is no poisoning, and "juuri" here is "hardly", not a root
    "meidän tyttö ei syö juuri mitään ja laihtuu",
])
def test_routine_questions_are_not_emergencies(analyzer, rules, message):
    assert detect_emergency(message, analyzer, rules) is None


def test_development_set_emergencies_are_caught(analyzer, rules, devset):
    caught = [m for m in devset["emergency"] if detect_emergency(m, analyzer, rules)]
    assert len(caught) / len(devset["emergency"]) >= 0.85


def test_development_set_routine_messages_mostly_pass(analyzer, rules, devset):
    flagged = [m for m in devset["not_emergency"] if detect_emergency(m, analyzer, rules)]
    assert len(flagged) / len(devset["not_emergency"]) <= 0.2, flagged


def test_every_category_answers_with_112_or_the_crisis_line(rules):
    for category in rules.categories:
        assert "112" in category.answer or "09 2525 0111" in category.answer, category.name


def _nlu_examples(path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [line[2:] for block in data["nlu"] for line in block["examples"].splitlines() if line.startswith("- ")]


def test_the_rules_see_a_sign_in_their_own_example_phrasings(analyzer, rules):
    """A strong or a weak sign; the whole net's answer to them: tests/test_safety_net.py."""
    examples = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))["must_trigger"]
    missed = [m for m in examples if rules.assess(*message_forms(m, analyzer)) is None]
    assert len(missed) / len(examples) <= 0.05, missed


def test_routine_training_questions_are_not_emergencies_to_the_rules_alone(analyzer, rules):
    """Without a past or informational cue the rules answer alone; with one the classifier has a say
    (tests/test_safety_net.py checks the whole net on these questions)."""
    questions = _nlu_examples(PROJECT_DIR / "data" / "nlu_guidance.yml") + _nlu_examples(PROJECT_DIR / "data" / "nlu.yml")
    flagged = [q for q in questions if (m := rules.assess(*message_forms(q, analyzer))) is not None and not m.cued]
    assert len(flagged) / len(questions) <= 0.01, flagged


def test_animals_and_things_do_not_trigger_the_112_answer(analyzer, rules):
    for message in ("kissa söi liljan lehtiä, onko se myrkyllistä", "auton akku pitää elvyttää pakkasella"):
        assert detect_emergency(message, analyzer, rules) is None, message
