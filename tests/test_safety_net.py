"""The safety net's layers, each alone and together: the rules (a past or informational cue never
switches a category off), the overdose and poisoning reader, the learned risk classifier (the one
trained into models/assistant.tar.gz), the middle tier and the out-of-scope guard."""
from __future__ import annotations

import io
import tarfile
from dataclasses import replace

import numpy as np
import pytest
import yaml

from bot.nlu.emergency import word_forms
from bot.nlu.poisoning import POISONING, POISONING_URGENT, read_poisoning
from bot.nlu.risk_classifier import (HeldOutFigures, RiskFeaturizer, RiskModel, RiskThresholds, char_features,
                                     choose_thresholds, word_features)
from bot.nlu.safety_net import EMERGENCY_TIER, NO_RISK, UNCERTAIN_TIER, SafetyNet
from guidance_library.emergency import load_emergency_rules
from guidance_library.risk_corpus import load_corpus
from tests.conftest import PROJECT_DIR

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"

# Every message quoted in issue 14 (what a resident met before the rebuild).
ISSUE_MESSAGES = [
    "otin äsken 25 buranaa",
    "Ajattelen itsemurhaa, onko terapia mahdollista",
    "Äiti ei hengitä, tarvitsen tietoa",
    "Minulla on rintakipu nyt, tarvitsen ohjeita",
    "en jaksa herätä enää huomiseen",
    "koko purkki unilääkkeitä",
    "otin kaikki unilääkkeet",
    "pullo viinaa ja pillerit",
    "lapsi nielaisi pesuainetta",
]
ISSUE_HARD_NEGATIVES = [
    "kuolinilmoitus lehteen, miten se tehdään",
    "tapan aikaa odotushuoneessa, kauanko jono kestää",
    "kuolen nauruun",
    "paljonko buranaa saa ottaa",
    "isä kuoli viime vuonna",
    "miten opetan elvytyksen",
]


@pytest.fixture(scope="module")
def rules():
    return load_emergency_rules()


class FixedModel(RiskModel):
    """A classifier stand-in that gives every message the same score (to test the tiers)."""

    def __init__(self, score: float, category: str | None = None) -> None:
        super().__init__(None, None, RiskThresholds(uncertain=0.2, sure=0.8, signal=0.1), HeldOutFigures())
        self._score, self._category = score, category

    def scores(self, rows):
        return np.full(rows.shape[0], self._score)

    def categories(self, rows):
        return [self._category] * rows.shape[0]


def net(rules, score=None, category=None):
    model = FixedModel(score, category) if score is not None else None
    return SafetyNet(rules, model, RiskFeaturizer(None) if model else None)


# -- the rules layer -------------------------------------------------------------------------------
@pytest.mark.parametrize("message, category", [
    ("Minulla on rintakipu nyt, tarvitsen ohjeita", "chest_pain"),
    ("Ajattelen itsemurhaa, onko terapia mahdollista", "suicide"),
    ("Äiti ei hengitä, tarvitsen tietoa", "unconscious"),
])
def test_service_words_no_longer_switch_the_rules_off(analyzer, rules, message, category):
    """Before: "terapia", "tietoa" or "ohjeita" switched every category off. They are no cue now."""
    verdict = net(rules).assess(analyzer.analyze_text(message))
    assert verdict.tier == EMERGENCY_TIER and verdict.category == category and verdict.layers == ("rules",)


@pytest.mark.parametrize("present", ["nyt", "just", "äsken", "tänään"])
def test_now_just_a_moment_ago_and_today_count_as_present(analyzer, rules, present):
    """A past cue alone needs a sure classifier for the emergency answer; with a present cue any
    danger the classifier sees is enough ("viime vuonna ..., nyt menee paremmin" stays a question)."""
    past = analyzer.analyze_text("isällä oli rintakipua viime viikolla")
    both = analyzer.analyze_text(f"isällä oli rintakipua viime viikolla ja {present} taas")
    assert net(rules, score=0.5).assess(past).tier == UNCERTAIN_TIER
    verdict = net(rules, score=0.5).assess(both)
    assert verdict.tier == EMERGENCY_TIER and verdict.category == "chest_pain" and "rules" in verdict.layers
    assert net(rules, score=0.05).assess(both).tier == UNCERTAIN_TIER


@pytest.mark.parametrize("message", [
    "itsemurhan ehkäisyn koulutus työpaikalle",  # informational cue
    "isä teki itsemurhan viime vuonna",      # past cue
    "myrkytystietokeskuksen numero talteen etukäteen",
    "isä sai sydäninfarktin aiemmin",
])
def test_a_cue_alone_never_switches_a_deadly_category_off(analyzer, rules, message):
    """Without a classifier, or one that is not confidently against it (at or above its `signal` floor),
    the cued match asks the resident (never silence); a cue only makes it uncertain."""
    for score in (None, 0.15, 0.5):
        verdict = net(rules, score=score).assess(analyzer.analyze_text(message))
        assert verdict.tier == UNCERTAIN_TIER and verdict.cued and verdict.signal


def test_carbon_monoxide_typed_without_umlauts(analyzer, rules):
    """"häkä" without ä is "haka" (a hook): a sign only next to a sauna, a fire or its symptoms."""
    found = rules.assess(*word_forms(analyzer.analyze_text("mokilla saunan jalkeen kaikilla paansarky, onko haka")))
    assert found is not None and found.category.name == "poisoning"
    assert rules.assess(*word_forms(analyzer.analyze_text("takin haka irtosi"))) is None


def test_a_weak_sign_the_classifier_is_confidently_against_asks_nothing(analyzer, rules):
    """A weak sign ("tajuton") in a longer message scored below the classifier's `signal` floor is
    everyday talk: no safety question, but still a risk signal (never turned away). With any doubt
    from the classifier, or in a message of a few words, the question stays."""
    words = analyzer.analyze_text("olin ihan tajuton väsymyksestä eilen illalla töiden jälkeen")
    assert rules.assess(*word_forms(words)).weak
    low = net(rules, score=0.05).assess(words)
    assert low.tier == NO_RISK and low.signal
    # above the floor but below `uncertain` (0.2): nothing here tells of now, the past or a question,
    # so the classifier's doubt settles it; a present cue keeps the question
    assert net(rules, score=0.15).assess(words).tier == NO_RISK
    now = analyzer.analyze_text("lapsi on ihan tajuton nyt sohvalla kotona")
    assert rules.assess(*word_forms(now)).present and net(rules, score=0.15).assess(now).tier == UNCERTAIN_TIER
    assert net(rules, score=0.25).assess(words).tier == UNCERTAIN_TIER  # some danger seen: asked
    # a weak sign of poisoning is kept on mere doubt: "taapero nuoli lattiaa" is asked, not let through
    licked = analyzer.analyze_text("taapero nuoli lattiaa ja itkee nyt kovasti")
    assert rules.assess(*word_forms(licked)).weak and net(rules, score=0.15).assess(licked).tier == UNCERTAIN_TIER
    assert net(rules).assess(words).tier == UNCERTAIN_TIER  # no classifier: the rules alone ask
    assert net(rules, score=0.05).assess(analyzer.analyze_text("mummo tajuton")).tier != NO_RISK
    # a weak sign of suicidal thoughts is always asked
    past = analyzer.analyze_text("mulla oli itsetuhoisia ajatuksia pari vuotta sitten, miten pääsen terapiaan")
    assert rules.assess(*word_forms(past)).weak
    assert net(rules, score=0.05).assess(past).tier == UNCERTAIN_TIER


def test_a_strong_sign_told_as_past_is_asked_whatever_the_classifier(analyzer, rules):
    """Only weak signs can be set aside by the classifier; a strong one with a past cue is still asked."""
    words = analyzer.analyze_text("isällä oli rintakipua viime viikolla ja mietin miten pääsen kontrolliin")
    match = rules.assess(*word_forms(words))
    assert match is not None and not match.weak
    assert net(rules, score=0.01).assess(words).tier != NO_RISK


def test_a_strong_sign_the_classifier_sees_no_danger_in_is_asked_not_answered(analyzer, rules):
    """A strong sign answers at once only when the classifier sees at least some danger in the message
    (its `uncertain` limit, 0.2 here); below that the resident is asked, so "kuulolaitteen patterit"
    gets the question with 112 in it rather than the poisoning answer. Never nothing: still a risk signal."""
    words = analyzer.analyze_text("kuulolaitteen patterit loppu, mistä saa uusia")
    match = rules.assess(*word_forms(words))
    assert match is not None and not match.weak and match.category.name == "poisoning"
    doubted = net(rules, score=0.15).assess(words)
    assert doubted.tier == UNCERTAIN_TIER and doubted.signal and doubted.category == "poisoning"
    assert net(rules, score=0.25).assess(words).tier == EMERGENCY_TIER  # some danger seen: the answer
    assert net(rules).assess(words).tier == EMERGENCY_TIER  # no classifier: the rules alone answer
    taken = analyzer.analyze_text("otin äsken 25 buranaa")  # the reader too: asked when the classifier disagrees
    assert net(rules, score=0.15).assess(taken).tier == UNCERTAIN_TIER
    assert net(rules, score=0.5).assess(taken).tier == EMERGENCY_TIER


def test_an_animal_is_not_a_human_emergency(analyzer, rules):
    """No rule or reader answer for a dog; the classifier may ask, never more."""
    assert net(rules).assess(analyzer.analyze_text("koira söi rotanmyrkkyä")).tier == NO_RISK
    assert net(rules, score=0.95).assess(analyzer.analyze_text("koira söi rotanmyrkkyä")).tier == UNCERTAIN_TIER
    assert net(rules, score=0.05).assess(analyzer.analyze_text("koira söi rotanmyrkkyä")).tier == NO_RISK


def test_a_bite_happens_to_a_person(analyzer, rules):
    verdict = net(rules).assess(analyzer.analyze_text("koira puri ja haava vuotaa paljon verta eikä lakkaa"))
    assert verdict.tier == EMERGENCY_TIER and verdict.category == "bleeding"


# -- the overdose and poisoning reader ---------------------------------------------------------------
@pytest.mark.parametrize("message, category", [
    ("otin äsken 25 buranaa", POISONING),
    ("koko purkki unilääkkeitä", POISONING),
    ("otin kaikki unilääkkeet", POISONING),
    ("pullo viinaa ja pillerit", POISONING),
    ("mies veti koko levyn bentsoja ja viinaa", POISONING),
    ("3v söi mummon lääkkeitä", POISONING),
    ("lapsi nielaisi pesuainetta", POISONING),
    ("otin 30 panadolia ja nyt oksettaa", POISONING_URGENT),
    ("otin kymmenen tenoxia koska en jaksa enää", POISONING_URGENT),
    ("parasetamolia meni tänää ehkä 10 grammaa ku hammas särki", POISONING),  # a weight, not a count
    ("otin 8000mg buranaa", POISONING),
    ("otin kakskyt buranaa", POISONING), ("otin parikymmentä melatoniinia", POISONING),  # spoken numbers
    ("lapsi on syönyt mummon lääkkeitä", POISONING),  # a participle: "syönyt" is its own base form
])
def test_the_reader_finds_an_amount_taken(analyzer, rules, message, category):
    reading = read_poisoning(analyzer.analyze_text(message), rules.poisoning)
    assert reading is not None and reading.category == category


DOSE_QUESTIONS_AND_ORDINARY_DOSES = (
    "paljonko buranaa saa ottaa", "voiko ottaa 2 panadolia", "otin 2 buranaa päänsärkyyn",
    "voinko ottaa 6 tablettia ibuprofeenia päivässä", "soitin lääkärille 10 kertaa",
    "saako antibiootin kanssa juoda viiniä", "onko 3 grammaa parasetamolia päivässä liikaa",
    "onko 1000mg pamolia kerralla liikaa",
)


@pytest.mark.parametrize("message", DOSE_QUESTIONS_AND_ORDINARY_DOSES)
def test_the_reader_leaves_dose_questions_and_ordinary_doses(analyzer, rules, message):
    assert read_poisoning(analyzer.analyze_text(message), rules.poisoning) is None


@pytest.mark.parametrize("message", ["otin 10 panadolia, onko vaarallista",
                                     "paljonko parasetamolia on liikaa, poika otti 12 tablettia"])
def test_an_amount_taken_and_asked_about_is_read_but_not_firm(analyzer, rules, message):
    """Told as done ("otin"), asked about: never dropped as a dose question; the net asks unless backed."""
    reading = read_poisoning(analyzer.analyze_text(message), rules.poisoning)
    assert reading is not None and reading.category == POISONING and not reading.firm
    assert net(rules, score=0.2).assess(analyzer.analyze_text(message)).tier == UNCERTAIN_TIER
    assert net(rules, score=0.9).assess(analyzer.analyze_text(message)).tier == EMERGENCY_TIER


def test_the_reader_alone_gives_the_poisoning_answer(analyzer, rules):
    """An overdose was once declined as out of scope: now the reader alone is enough."""
    no_rules = replace(rules, categories=tuple(c for c in rules.categories if c.name == "general"))
    verdict = SafetyNet(no_rules).assess(analyzer.analyze_text("otin äsken 25 buranaa"))
    assert verdict.tier == EMERGENCY_TIER and verdict.layers == ("poisoning",) and verdict.category == POISONING


# -- the middle tier and the combination -------------------------------------------------------------
def test_a_score_between_the_limits_asks_the_safety_question(analyzer, rules):
    verdict = net(rules, score=0.5, category="suicide_self_harm").assess(analyzer.analyze_text("tää oli tässä"))
    assert verdict.tier == UNCERTAIN_TIER and verdict.category == "suicide" and verdict.signal


def test_a_sure_score_alone_gives_the_emergency_answer_of_its_category(analyzer, rules):
    verdict = net(rules, score=0.9, category="not_breathing_choking").assess(analyzer.analyze_text("tää oli tässä"))
    assert verdict.tier == EMERGENCY_TIER and verdict.layers == ("classifier",) and verdict.category == "breathing"


def test_a_low_score_is_no_risk_but_half_the_limit_is_a_signal(analyzer, rules):
    words = analyzer.analyze_text("mikä on huomenna sää")
    assert net(rules, score=0.01).assess(words).tier == NO_RISK
    assert not net(rules, score=0.01).assess(words).signal
    low = net(rules, score=0.15).assess(words)
    assert low.tier == NO_RISK and low.signal  # at or above the out-of-scope guard's floor (`signal`)


def test_a_cued_rule_with_a_sure_classifier_is_an_emergency(analyzer, rules):
    verdict = net(rules, score=0.9).assess(analyzer.analyze_text("haluaisin tietoa itsemurhasta"))
    assert verdict.tier == EMERGENCY_TIER and verdict.category == "suicide"


def test_thresholds_keep_the_recall_and_the_false_alarm_share():
    danger = np.linspace(0.05, 1.0, 200)
    safe = np.linspace(0.0, 0.6, 1000)
    nothing_else = np.zeros(200, dtype=bool)
    limits = choose_thresholds(danger, nothing_else, safe, recall=0.99, sure_false_alarm=0.01)
    assert np.mean(danger >= limits.uncertain) >= 0.99
    assert np.mean(safe >= limits.sure) <= 0.01
    assert limits.signal <= limits.uncertain <= limits.sure
    # what the rules already catch need not be caught by the classifier: a higher limit keeps the recall
    rules_catch_the_low_half = danger < 0.5
    relaxed = choose_thresholds(danger, rules_catch_the_low_half, safe, recall=0.99, sure_false_alarm=0.01)
    assert relaxed.uncertain > limits.uncertain
    assert np.mean(rules_catch_the_low_half | (danger >= relaxed.uncertain)) >= 0.99


def test_features_fold_missing_umlauts_together(analyzer):
    with_dots = analyzer.analyze_text("en saa hengitettyä")
    without = analyzer.analyze_text("en saa hengitettya")
    assert set(char_features(with_dots)) == set(char_features(without))
    assert "b:ei_saada" in word_features(with_dots)


# -- the corpus --------------------------------------------------------------------------------------
def test_the_corpus_has_the_size_the_issue_asks_for():
    corpus = load_corpus()
    danger = [m for m in corpus if m.danger]
    written_safe = [m for m in corpus if not m.danger and m.category != "library_question"]
    assert len(danger) >= 2000 and len(corpus) - len(danger) >= 4000
    assert len(written_safe) >= 1500  # hard negatives written for the classifier, not only library questions
    categories = {m.category for m in danger}
    for needed in ("suicide_self_harm", "overdose_poisoning", "unconscious", "not_breathing_choking", "chest_pain",
                   "stroke", "severe_bleeding", "violence_now", "child_in_danger"):
        assert needed in categories


def test_a_second_corpus_load_parses_no_file_again(monkeypatch):
    import guidance_library.loader as loader

    load_corpus()
    parsed = []
    original = loader.read_yaml
    monkeypatch.setattr(loader, "read_yaml", lambda file, content=None: (parsed.append(file.name), original(file, content))[1])
    again = load_corpus()
    assert len(again) > 6000 and [name for name in parsed if not name.startswith("nlu")] == []


def test_every_corpus_category_has_an_answer(rules):
    corpus = load_corpus()
    for category in {m.category for m in corpus if m.danger and m.category != "rule_example"}:
        assert rules.for_corpus_category(category) is not None, category


# -- the learned layer, as trained into the model --------------------------------------------------------
@pytest.fixture(scope="module")
def trained():
    if not MODEL.exists():
        pytest.skip("no trained model: run scripts/train (scripts/test does)")
    with tarfile.open(MODEL) as archive:
        member = next((m for m in archive.getmembers() if m.name.endswith("risk_classifier.pkl")), None)
        if member is None:
            pytest.fail("the trained model has no risk classifier")
        data = archive.extractfile(member).read()
    import pickle

    return pickle.load(io.BytesIO(data))


@pytest.fixture(scope="module")
def classifier_only(trained, rules, vectors):
    """The classifier alone: no rule category, no reader."""
    bare = replace(rules, categories=tuple(c for c in rules.categories if c.name == "general" or c.corpus),
                   poisoning=None)
    bare = replace(bare, categories=tuple(replace(c, patterns=()) for c in bare.categories))
    return SafetyNet(bare, trained, RiskFeaturizer(vectors))


def test_the_limits_were_chosen_for_recall_on_held_out_folds(trained):
    assert 0 < trained.thresholds.uncertain <= trained.thresholds.sure < 1
    assert trained.figures.recall_uncertain >= 0.99


@pytest.mark.parametrize("message", ISSUE_MESSAGES)
def test_the_classifier_alone_sees_danger_in_the_issue_messages(analyzer, classifier_only, message):
    verdict = classifier_only.assess(analyzer.analyze_text(message))
    assert verdict.tier in (EMERGENCY_TIER, UNCERTAIN_TIER), (message, verdict)


@pytest.mark.parametrize("message", ISSUE_HARD_NEGATIVES)
def test_no_layer_gives_the_emergency_answer_to_the_issue_hard_negatives(analyzer, classifier_only, trained, rules,
                                                                          vectors, message):
    assert classifier_only.assess(analyzer.analyze_text(message)).tier != EMERGENCY_TIER, message
    whole = SafetyNet(rules, trained, RiskFeaturizer(vectors)).assess(analyzer.analyze_text(message))
    assert whole.tier != EMERGENCY_TIER, (message, whole)


def test_the_whole_net_answers_the_rules_own_examples(analyzer, trained, rules, vectors):
    examples = yaml.safe_load((PROJECT_DIR / "guidance_library" / "emergency_examples.yml").read_text())["must_trigger"]
    whole = SafetyNet(rules, trained, RiskFeaturizer(vectors))
    tiers = [whole.assess(analyzer.analyze_text(m)).tier for m in examples]
    assert tiers.count(NO_RISK) == 0
    assert tiers.count(EMERGENCY_TIER) / len(examples) >= 0.95


@pytest.mark.parametrize("message", ["hei botti", "en", "ei se", "kiitos", "moi", "joo", "mulla on paha mieli"])
def test_short_everyday_messages_get_no_emergency_answer(analyzer, trained, rules, vectors, message):
    assert SafetyNet(rules, trained, RiskFeaturizer(vectors)).assess(analyzer.analyze_text(message)).tier != EMERGENCY_TIER


def test_the_whole_net_rarely_alarms_on_ordinary_development_questions(analyzer, trained, rules, vectors, devset):
    """bench/devset.yml's questions (not training data), less those on the catalogue's urgent topics:
    the emergency answer for at most 2%, the safety question for at most 10% (bench.safety prints both)."""
    from bench.safety import urgent_topics

    urgent = urgent_topics()
    questions = [q["text"] for q in devset["guidance"] if q.get("topic") not in urgent]
    whole = SafetyNet(rules, trained, RiskFeaturizer(vectors))
    tiers = [whole.assess(analyzer.analyze_text(q)).tier for q in questions]
    assert tiers.count(EMERGENCY_TIER) / len(questions) <= 0.02
    assert tiers.count(UNCERTAIN_TIER) / len(questions) <= 0.10


@pytest.mark.parametrize("message", ISSUE_MESSAGES)
def test_the_whole_net_answers_every_issue_message(analyzer, trained, rules, vectors, message):
    verdict = SafetyNet(rules, trained, RiskFeaturizer(vectors)).assess(analyzer.analyze_text(message))
    assert verdict.tier == EMERGENCY_TIER, (message, verdict)


def test_guidance_validate_checks_the_safety_files(library, tmp_path):
    from guidance_library.emergency import DEFAULT_EMERGENCY_FILE
    from guidance_library.risk_corpus import CorpusSources, check_safety_files

    assert check_safety_files(library) == []
    broken = tmp_path / "emergency.yml"
    text = DEFAULT_EMERGENCY_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("calls: [emergency, nollalinja]", "calls: [emergency, no_such_line]")
                      .replace("corpus: [violence_now]", "corpus: []")
                      .replace("Nollalinja 080 005 005", "Nollalinja 080 005 006"), encoding="utf-8")
    corpus_dir = tmp_path / "risk_corpus" / "danger"
    corpus_dir.mkdir(parents=True)
    (corpus_dir / "violence_now.yml").write_text('label: danger\ncategory: violence_now\nmessages:\n  - "mies lyö"\n',
                                                 encoding="utf-8")
    problems = [str(p) for p in check_safety_files(
        library, broken, CorpusSources(corpus_dir=tmp_path / "risk_corpus", examples_file=tmp_path / "none.yml",
                                       paths_dir=tmp_path / "no_paths", nlu_files=()))]
    assert any("no_such_line" in p for p in problems)
    assert any("violence_now" in p for p in problems)
    assert any("080 005 006" in p for p in problems)  # a number typed in an answer that no contact has


def test_a_person_in_the_verb_is_a_person(analyzer, rules):
    """Finnish drops "minä": "otin" names a person even next to a cat."""
    verdict = net(rules).assess(analyzer.analyze_text("otin 30 unilääkettä, kissa katsoo vieressä"))
    assert verdict.tier == EMERGENCY_TIER and verdict.category == "poisoning"
    assert net(rules).assess(analyzer.analyze_text("koira söi rotanmyrkkyä")).tier == NO_RISK


def test_a_broken_classifier_never_costs_the_rules_answer(analyzer, rules):
    class Broken(FixedModel):
        def scores(self, rows):
            raise ValueError("X has 1572864 features, but LogisticRegression is expecting 1573164")

    verdict = SafetyNet(rules, Broken(0.5), RiskFeaturizer(None)).assess(analyzer.analyze_text("isä ei hengitä"))
    assert verdict.tier == EMERGENCY_TIER and verdict.layers == ("rules",)


def test_the_question_names_every_layer_that_saw_something(analyzer, rules):
    verdict = net(rules, score=0.3).assess(analyzer.analyze_text("ajattelin itsemurhaa viime viikolla"))
    assert verdict.tier == UNCERTAIN_TIER and "rules" in verdict.layers and "classifier" in verdict.layers


@pytest.mark.parametrize("message", ["otin buranan klo 22", "otin 2 buranaa 10 minuuttia sitten",
                                     "otin 1 panadolin, kuume 39", "poika otti aamulla lääkkeensä normaalisti",
                                     "join 2 olutta ja otin buranan"])
def test_the_reader_counts_only_tablets(analyzer, rules, message):
    assert read_poisoning(analyzer.analyze_text(message), rules.poisoning) is None
