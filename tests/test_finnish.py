"""Voikko-based analysis: inflection, compounds, missing ä/ö, spoken forms."""
from __future__ import annotations

import pytest

from bot.nlu.finnish import compound_parts, differs_only_by_diacritics


@pytest.mark.parametrize("word, lemma", [
    ("terveysasemalle", "terveysasema"),
    ("lääkäriin", "lääkäri"),
    ("hammassärkyä", "hammassärky"),
    ("omaishoitajan", "omaishoitaja"),
    ("lapsille", "lapsi"),
])
def test_inflected_words_get_their_base_form(analyzer, word, lemma):
    assert analyzer.analyze(word).lemma == lemma


def test_compound_parts_are_base_forms(analyzer):
    assert analyzer.analyze("lastenneuvolaan").parts == ("lapsi", "neuvola")
    assert set(analyzer.analyze("mielenterveyspalveluihin").parts) >= {"mieli", "terveys", "palvelu"}
    assert analyzer.analyze("lääkäri").parts == ()


def test_compound_parts_from_wordbases():
    assert compound_parts("+veren(veri)+paine(paine)+lääke(lääke)") == ("veri", "paine", "lääke")
    assert compound_parts("+saira(sairas)+us(+us)+loma(loma)") == ("sairaus", "loma")
    assert compound_parts("+lääkäri(lääkäri)") == ()


@pytest.mark.parametrize("typed, restored", [
    ("hammaslaakari", "hammaslääkäri"),
    ("paivystys", "päivystys"),
    ("yksinaisyys", "yksinäisyys"),
])
def test_missing_umlauts_are_restored_when_voikko_agrees(analyzer, typed, restored):
    word = analyzer.analyze(typed)
    assert word.normalized == restored
    assert word.known


def test_restoration_only_changes_a_o_to_umlauts():
    assert differs_only_by_diacritics("paivystys", "päivystys")
    assert not differs_only_by_diacritics("laakari", "laakeri")
    assert not differs_only_by_diacritics("kuume", "kuume")


def test_a_known_word_is_not_changed_to_an_umlaut_word(analyzer):
    # "tuli" is a real word; it must not become anything else
    assert analyzer.analyze("tuli").normalized == "tuli"


def test_unknown_word_that_no_suggestion_fixes_is_kept(analyzer):
    word = analyzer.analyze("xqzvbn")
    assert not word.known and word.lemma == "xqzvbn"


@pytest.mark.parametrize("spoken, lemma", [("mulla", "minä"), ("tarttis", "tarvita"), ("itteni", "itse")])
def test_spoken_forms_are_understood(analyzer, spoken, lemma):
    assert analyzer.analyze(spoken).lemma == lemma


def test_the_pipeline_components_share_one_analyser_and_one_vector_table(monkeypatch):
    """The Rasa process holds one Voikko analyser and one spaCy vector table, whichever components use them."""
    from types import SimpleNamespace

    from rasa.engine.graph import ExecutionContext, GraphSchema

    from bot.components import guidance_ranker
    from bot.components.emergency_detector import EmergencyDetector
    from bot.components.finnish_tokenizer import FinnishTokenizer
    from bot.components.finnish_vectors import FinnishVectorFeaturizer
    from bot.nlu.finnish import shared_analyzer
    from bot.nlu.vectors import shared_vectors

    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = FinnishTokenizer.create(FinnishTokenizer.get_default_config(), None, None, context)
    featurizer = FinnishVectorFeaturizer.create(FinnishVectorFeaturizer.get_default_config(), None, None, context)
    detector = EmergencyDetector.create(EmergencyDetector.get_default_config(), None, None, context)
    built = []  # the ranker's index is built from the library with these
    monkeypatch.setattr(guidance_ranker, "GuidanceIndex", lambda library, analyzer, vectors, **kw:
                        built.append((analyzer, vectors)) or SimpleNamespace())
    ranker = guidance_ranker.GuidanceRanker.create(guidance_ranker.GuidanceRanker.get_default_config(),
                                                   None, None, context)
    analyzer, vectors = shared_analyzer(), shared_vectors()
    assert tokenizer.analyzer is analyzer and detector._analyzer is analyzer and ranker._analyzer is analyzer
    assert featurizer.vectors is vectors and detector._featurizer.vectors is vectors
    assert built == [(analyzer, vectors)]


@pytest.mark.parametrize("text, lemma", [
    ("vaimo sanoo et hengitys katkeaa", "että"), ("se sano et söi jotain", "että"), ("luulen et se ei herää", "että"),
    ("jos et hengitä", "ei"), ("et pysty puhumaan", "ei"), ("jos et enää jaksa", "ei"),
])
def test_spoken_et_is_that_unless_a_negated_verb_follows(analyzer, text, lemma):
    """Spoken "et" is mostly "että": read as the negation "ei", "vaimo sanoo et hengitys katkeaa" would be
    "ei hengitys", a sign of not breathing."""
    assert [w.lemma for w in analyzer.analyze_text(text) if w.text == "et"] == [lemma]


def test_the_tokenizer_reads_spoken_et_as_the_analyser_does(analyzer):
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.finnish_tokenizer import FinnishTokenizer

    tokenizer = FinnishTokenizer(FinnishTokenizer.get_default_config(), analyzer)
    tokens = tokenizer.tokenize(Message({"text": "vaimo sanoo et hengitys katkeaa, jos et hengitä"}), "text")
    assert [t.lemma for t in tokens if t.text == "et"] == ["että", "ei"]
