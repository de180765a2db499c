"""Following a conversation: its state (topic, who the matter concerns) and follow-up questions.

Residents ask on: "paljonko se maksaa?", "entä lapselle?", "entä jos se hylätään?", "olen
opiskelija". Each message still gets its own guidance ranking from the NLU, but a message that
refers back or leaves its subject out is resolved against the conversation's topic first, using
the facet and audience every path declares (guidance_library/AUTHORING.md, "Facets"):

* the **state** is kept in slots: `topic` (the topic of the path last shown), `last_path_id`, and
  `subject` (whom the matter concerns: one of the library's audiences, or None for the resident as
  an adult). It is filled from what the resident writes (`read_subject`) and from the path shown,
  and replaced when the resident changes subject;
* the **ranking in context** (`ranking_in_context`): every message of a running conversation is also
  ranked read together with the resident's earlier messages (the NLU's `guidance_in_context`); unless
  it clearly names a new subject, the decision is made on that ranking, with the facet the message
  asks for and the person it names weighed in;
* a **follow-up** (`is_follow_up`) is a message with a back-reference ("se", "sitä", "hänelle"), an
  opening such as "entä" or "mitä jos", a bare fact ("olen opiskelija", "hän on 85"), or a short
  question that names only a facet or a person. It is answered with the topic's path of the facet
  it asks for and the audience now named (`resolve`), or, if several fit equally, asked back among
  those; while there is a topic a follow-up is never "not found";
* **defaults**: when nobody else is named, the matter is the resident's own, as an adult; a paths
  for a child, a student or an elderly person is chosen only when the conversation names one
  (`prefer_named_audience`).

The word lists are cues, not grammar: they choose among paths the ranking and the topic already
narrowed, and a message that clearly names a new subject is routed fresh.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from actions.guidance_decision import Decision, Outcome, decide
from guidance_library.instruments import fold
from guidance_library.models import GuidanceLibrary, GuidancePath

# How the professional sees whom the matter concerns (handoff summary, contact request).
SUBJECT_LABELS = {"baby": "vauva", "child": "lapsi", "teen": "nuori", "student": "opiskelija",
                  "elderly": "ikääntynyt", "pregnant": "raskaana oleva", "relative": "läheinen tai omainen",
                  "professional": "ammattilaisen asiakas", "family": "perhe"}

# Stems of folded words (ä/ö as a/o) that ask for a facet of the topic.
FACET_CUES: dict[str, tuple[str, ...]] = {
    # a denial first: "entä jos kela hylkää sen?" asks about the decision, not about fees (Kela is a fee cue);
    # the weak "ei saa" kind comes after the fee words ("paljonko maksaa jos en saa kelakorvausta": fees)
    "decision": ("hylat", "hylka", "hylatty", "hylky", "kielteinen", "kielteis", "valitu", "valitta", "oikaisu",
                 "muutoksenhak"),
    "fees": ("maks", "hinta", "hinnan", "hintaa", "kustann", "kallis", "ilmai", "lasku", "korvaa", "korvau",
             "paljonko", "omavastuu", "kela"),
    "decision_weak": ("ei myonneta", "ei myonnetty", "ei saanut", "ei saa", "en saanut", "en saa"),
    "processing": ("kauan", "kasittel", "kestaa", "kesta", "odottaa", "odotus", "jonotus", "milloin saan"),
    "documents": ("liite", "liitte", "todistu", "lomake", "lomakk", "lahete", "lahetteen", "asiakirj", "paperi",
                  "lausunto", "lausunno"),
    "digital": ("netissa", "netista", "verkossa", "verkosta", "sahkoi", "sovellu", "omakanta", "chat"),
    "apply": ("hae", "haen", "haku", "hakemu", "haetaan", "hakea", "haki", "kuka voi", "kenelle", "kriteer",
              "myonne", "oikeutettu", "oikeus"),
    "booking": ("ajan", "aika", "aikaa", "varaa", "varaan", "varata", "paase", "paasee", "paasen", "jono", "yhteytta",
                "soitan", "soittaa", "numero", "peru", "siirta", "mihin otan", "minne"),
    "urgent": ("paivystys", "paivystyk", "paivystykseen", "kiire", "heti", "112"),
    "after_visit": ("tulokset", "tulos", "jalkeen", "kontrolli", "jatkohoi"),
    "support": ("tukea", "tuki", "vertais", "jaksa", "apua arkeen"),
    "self_care": ("kotona", "itse", "omahoit", "hoidan", "hoitaa", "helpottaa", "helpotta"),
}
WEAK_CUES = {"decision_weak": "decision"}  # a facet's weaker cues, read later in the order above
# Stems that name whom the matter concerns (an audience of the library).
AUDIENCE_CUES: dict[str, tuple[str, ...]] = {
    "baby": ("vauva", "imevai", "vastasyntyn", "kuukauden ikai", "kk ikai"),
    "teen": ("nuori", "nuore", "nuorten", "nuoril", "teini", "murrosika", "yläkoulu", "ylakoulu", "lukiolai"),
    "child": ("lapse", "lapsi", "lapsel", "lasta", "lapsia", "lasten", "lapsukai", "poika", "poja", "tytar", "tytto", "tyttare", "koululai",
              "paivakoti", "esikoulu", "kersa", "skidi", "muksu"),
    "student": ("opiskel", "korkeakoulu", "yliopisto", "amk", "ammattikoulu", "amis", "opinno", "opintoj", "tentti",
                "gradu", "lukio"),
    "elderly": ("vanhus", "vanhuks", "ikaanty", "ikaih", "mummo", "mummi", "pappa", "vaari", "isoaiti", "isoisa",
                "isovanhem", "elakelai", "muistisair", "dementi", "kotihoido"),
    "pregnant": ("raskaa", "raskaus", "odotan", "odottava", "viikolla raskaana"),
    "relative": ("omainen", "omaise", "omaishoit", "laheise", "laheinen", "puolesta", "puoliso", "mieheni",
                 "vaimoni", "isalleni", "aidilleni", "isani", "aitini", "toisen tunnuksilla"),
}
OPENINGS = ("enta ", "entas ", "entapa ", "mita jos", "ja jos", "jos se", "mites ", "ja mita", "ja paljonko",
            "ja kauanko", "ja miten", "no entä", "no enta", "ok enta", "ok, enta")
BACK_REFERENCES = frozenset({"se", "sen", "sita", "siihen", "siita", "silla", "sille", "siina", "sinne", "siella",
                             "han", "hanen", "hanelle", "hanta", "hanella", "ne", "niita", "niihin", "tuo", "tuon",
                             "tuota", "tahan", "tasta", "tama", "taman", "sama", "samaan"})
FACT_OPENINGS = ("olen ", "oon ", "mina olen", "ma oon", "han on", "se on", "asun ", "minulla on", "mulla on",
                 "hanella on", "sillä on", "silla on", "meilla on", "ika ", "ikaa ")
AGE = re.compile(r"\b(\d{1,3})\s*(v\b|vuo|-?vuotia|v\.|kk|kuukau)?")
PREGNANCY_WEEK = ("viikol", "viikko", "viikon", "raskausviiko", "rv")  # words before a week number
AGO = re.compile(r"\w*\s+sitten\b")  # "10 vuotta sitten": the rest of the word, then "sitten"
MAX_FOLLOW_UP_WORDS = 9      # longer messages are treated as questions of their own unless they refer back
FRESH_TOPIC_SCORE = 0.30     # a ranking this sure of another topic, with no back-reference, is a new subject
# Facets that other topics' paths answer for the whole area (an appeal, e-services, urgent care,
# support); fees, processing times, documents and applying are answered inside the topic itself.
AREA_FACETS = frozenset({"decision", "digital", "urgent", "support"})
ADULT_MARGIN = 0.04          # an adult path this close to a child's / student's / ... path wins when nobody was named
# Audiences that say whom the matter is about (the adult default applies to them); `relative`,
# `family` and `professional` say who is asking, and the ranking alone chooses those paths.
ABOUT_SOMEONE = frozenset({"baby", "child", "teen", "student", "elderly", "pregnant"})
# A path for these audiences also serves the person named (a baby is a child; a family path serves its child).
SERVES = {"baby": {"baby", "child", "family"}, "child": {"child", "family", "baby"}, "teen": {"teen", "child"},
          "student": {"student", "teen"}, "elderly": {"elderly"}, "pregnant": {"pregnant", "family"},
          "relative": {"relative"}, "family": {"family", "child", "baby"}, "professional": {"professional"}}


def _serves(path: GuidancePath, subject: str) -> bool:
    return bool(set(path.audience) & SERVES.get(subject, {subject}))


def for_whom_asked(path: GuidancePath | None, subject: str | None) -> bool:
    """The path fits whom the conversation is about: their variant when someone was named, else no
    variant for someone else (the resident's own matter, as an adult)."""
    if path is None:
        return False
    return _serves(path, subject) or not path.audience if subject is not None \
        else not set(path.audience) & ABOUT_SOMEONE


@dataclass(frozen=True)
class Cues:
    """What a message asks for and about whom."""

    facet: str | None
    audience: str | None
    back_reference: bool
    opening: bool
    bare_fact: bool
    words: int


def read_cues(text: str) -> Cues:
    """The facet, the person and the follow-up markers of a message."""
    folded = fold(text)
    words = folded.split()
    padded = f" {folded} "
    facet = next((WEAK_CUES.get(name, name) for name, stems in FACET_CUES.items()
                  if any(_has_stem(padded, words, stem) for stem in stems)), None)
    return Cues(facet=facet, audience=read_subject(text), back_reference=bool(set(words) & BACK_REFERENCES),
                opening=folded.startswith(OPENINGS) or padded.startswith(tuple(f" {o}" for o in OPENINGS)),
                bare_fact=folded.startswith(FACT_OPENINGS) and len(words) <= 6, words=len(words))


def read_subject(text: str) -> str | None:
    """Whom the message is about, as one of the library's audiences, if it names anyone."""
    folded = fold(text)
    words = folded.split()
    padded = f" {folded} "
    by_age = _audience_of_age(folded)  # "tytär on 15 v": the age says more than the word for the person
    if by_age is not None:
        return by_age
    for audience, stems in AUDIENCE_CUES.items():
        if any(_has_stem(padded, words, stem) for stem in stems):
            return audience
    return None


def _has_stem(padded: str, words: list[str], stem: str) -> bool:
    if " " in stem:
        return f" {stem}" in padded
    return any(word.startswith(stem) for word in words)


def _audience_of_age(folded: str) -> str | None:
    for match in AGE.finditer(folded):
        number, unit = int(match.group(1)), match.group(2) or ""
        before = folded[:match.start()].split()[-2:]
        if not unit and before[-1:] and before[-1].startswith(PREGNANCY_WEEK) \
                and not before[-1].startswith("viikonl"):
            continue  # "olen viikolla 10 raskaana": a week of pregnancy, not an age ("viikolla 70 v" is one)
        if not unit and not any(w in ("on", "han", "se", "olen", "oon", "ika", "ikaa", "vuotias") for w in before):
            continue  # a number that is not an age ("2 viikkoa", "10 euroa")
        said_as_age = any(w in ("on", "han", "olen", "oon", "ika", "ikaa") for w in before)
        if AGO.match(folded, match.end()) or before[-1:] == ["jo"] and not said_as_age:
            continue  # a time ago or a duration ("kävin 10 vuotta sitten", "jo 3 vuotta"), not an age
        if unit.startswith(("kk", "kuukau")):
            return "baby"
        if number < 1:
            return "baby"
        if number < 13:
            return "child"
        if number < 18:
            return "teen"
        if number >= 65:
            return "elderly"
    return None


def is_follow_up(cues: Cues) -> bool:
    """Whether the message leans on the conversation (given there is a topic to lean on)."""
    if cues.opening or cues.bare_fact:
        return True
    if cues.back_reference and cues.words <= MAX_FOLLOW_UP_WORDS + 3:
        return True
    return cues.words <= 3 and (cues.facet is not None or cues.audience is not None)


def names_a_new_subject(cues: Cues, ranking: Sequence[Mapping[str, Any]], topic: str) -> bool:
    """A message that the ranking confidently places in another topic, without leaning back."""
    if not ranking or cues.back_reference or cues.opening or cues.bare_fact:
        return False
    best = ranking[0]
    return best.get("topic") != topic and float(best.get("score") or 0.0) >= FRESH_TOPIC_SCORE


def resolve(library: GuidanceLibrary, topic: str, current: GuidancePath | None, cues: Cues, subject: str | None,
            ranking: Sequence[Mapping[str, Any]], in_context: Sequence[Mapping[str, Any]] = ()) -> Decision:
    """The path a follow-up asks for within the conversation's topic (or its area for a facet the topic
    lacks); a question back among the best few when they tie; never NO_MATCH. `in_context`: the
    ranking of the message read with the earlier ones (bot/components/guidance_ranker.py)."""
    scores = combined_scores(ranking, in_context)
    in_topic = [p for p in library.paths if p.topic == topic]
    candidates = in_topic
    area = library.topics[topic].area if topic in library.topics else None
    in_area = [p for p in library.paths if area is not None and p.topic in library.topics
               and library.topics[p.topic].area == area]
    if cues.facet in AREA_FACETS and not any(p.facet == cues.facet for p in in_topic):
        candidates = [p for p in in_area if p.facet == cues.facet] or in_topic
    elif cues.audience in ABOUT_SOMEONE and not any(_serves(p, cues.audience) for p in in_topic):
        # "entä lapselle?" after the adults' dental booking: the children's dental care, a topic of its own
        candidates = [p for p in in_area if _serves(p, cues.audience)] or in_topic
    if not candidates:
        return Decision(Outcome.NO_MATCH)
    # The facet asked for weighs 2; the facet kept from the path shown (when only the person changes)
    # weighs 1, so a path for the person named wins over the same facet for someone else.
    wanted_facet = cues.facet or (current.facet if current is not None and cues.audience else None)
    facet_weight = 2.0 if cues.facet else 1.0

    def fit(path: GuidancePath) -> float:
        return _fit(path, wanted_facet, facet_weight, subject, current, scores)

    ranked = sorted(candidates, key=fit, reverse=True)
    best = fit(ranked[0])
    tied = [p.id for p in ranked if best - fit(p) < 0.5]
    if len(tied) == 1 or (wanted_facet is None and subject is None and current is None):
        return Decision(Outcome.ANSWER, (ranked[0].id,))
    if current is not None and current.id in tied[:3] and not cues.facet and not cues.audience:
        return Decision(Outcome.ANSWER, (current.id,))
    return Decision(Outcome.CLARIFY, tuple(tied[:3]))


OWN_WEIGHT, CONTEXT_WEIGHT = 0.4, 0.6  # the message alone, and read with the earlier ones (`resolve`)
# The ranking of a message in a conversation (`ranking_in_context`), chosen on the development sets of
# follow-ups (bench/dev_followups*.yml; bench/RESULTS.md): the message read with the earlier ones
# counts fully, the message alone half; a path of the facet the message asks for, or for the person
# named, moves up a little. The path just shown is not moved down here: a follow-up that names no other facet
# often asks more of the same ("kauanko se tarttuu?" after the chickenpox path; bench/RESULTS.md, third session
# of 7 Dec). `resolve` (a follow-up resolved inside the topic) still prefers another path a little (`_fit`).
IN_CONTEXT_OWN = 0.5
FACET_BONUS = 0.05
AUDIENCE_BONUS = 0.03
SHORT_WORDS = 4        # a follow-up this short (or a bare fact) ...
SHORT_WEIGHT = 2.5     # ... weighs its facet and person this many times more
SHORT_OWN = 0.2        # ... and its own ranking this much
MAIN_PATH_BONUS = 0.03
PERSON_IN_TOPIC_BONUS = 0.15  # a short follow-up that only names a person: the topic's path for them
OWN_BEST_IN_TOPIC_BONUS = 0.1  # a follow-up's own best path in the topic (no facet word, not a short one) ...
OWN_BEST_MARGIN = 0.03         # ... when it is at most this far behind the message's own best path of any topic


def score_map(ranking: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """A ranking's scores by path id."""
    return {str(r["id"]): float(r.get("score") or 0.0) for r in ranking}


def ranking_in_context(ranking: Sequence[Mapping[str, Any]], in_context: Sequence[Mapping[str, Any]],
                       library: GuidanceLibrary, cues: Cues, subject: str | None,
                       current: GuidancePath | None, topic: str | None = None) -> list[dict[str, Any]]:
    """The message's ranking read in its conversation: the in-context ranking plus half the message's
    own, with the facet asked for and the person named weighed in; best first."""
    own, context = score_map(ranking), score_map(in_context)
    topic_of = {str(r["id"]): r.get("topic") for r in (*ranking, *in_context)}
    asks_on = is_follow_up(cues)
    # "hän on 85", "entä lapselle?", "mitä se maksaa?": a short follow-up says only the person or the
    # facet, so those count more; naming only a person keeps the facet of the path shown.
    short = asks_on and (cues.bare_fact or cues.words <= SHORT_WORDS)
    weight = SHORT_WEIGHT if short else 1.0
    kept_facet = cues.facet is None and short and cues.audience and current is not None
    facet = current.facet if kept_facet else cues.facet
    own_weight = SHORT_OWN if short else IN_CONTEXT_OWN  # a few words alone rank little but noise
    shown = current.id if current is not None else None
    # "mitä saa syödä sitä edeltävänä päivänä?" after the endoscopy path: the earlier messages pull towards the
    # topic as a whole, the follow-up's own words name the facet (bowel preparation): its best path in the topic
    own_best = next((str(r["id"]) for r in ranking if not short and cues.facet is None and topic is not None
                     and r.get("topic") == topic and for_whom_asked(library.get(str(r["id"])), subject)), None)
    if own_best == shown or own_best is not None and own[own_best] < max(own.values()) - OWN_BEST_MARGIN:
        own_best = None  # more of what was shown; or the message's own words point elsewhere ("entä verikokeet?")
    out = []
    for path_id in dict.fromkeys((*context, *own)):
        score = context.get(path_id, 0.0) + own_weight * own.get(path_id, 0.0)
        path = library.get(path_id)
        if path is not None:
            if facet is not None and path.facet == facet and not (kept_facet and path.id == shown):
                score += weight * FACET_BONUS
            if subject is not None and _serves(path, subject):
                score += weight * AUDIENCE_BONUS
            elif subject is None and set(path.audience) & ABOUT_SOMEONE:
                score -= AUDIENCE_BONUS  # nobody else named: the resident's own matter, as an adult
            if short and cues.audience and not cues.facet and path.id == path.topic and path.id != shown:
                score += MAIN_PATH_BONUS  # "entä lapselle?": the person's topic as such
            if short and cues.audience in ABOUT_SOMEONE and not cues.facet and path.topic == topic \
                    and _serves(path, cues.audience):
                score += PERSON_IN_TOPIC_BONUS  # "hän on 85" after physiotherapy: the topic's path for them
            if path.id == own_best:
                score += OWN_BEST_IN_TOPIC_BONUS
        out.append({"id": path_id, "topic": topic_of[path_id], "score": round(score, 4)})
    return sorted(out, key=lambda r: -r["score"])


def weigh_facet(ranking: Sequence[Mapping[str, Any]], library: GuidanceLibrary, cues: Cues) -> list[dict[str, Any]]:
    """A message's own ranking with the best topic's paths of the facet it asks for ("miten saan
    ajan": booking) a little ahead, which settles near ties between the facets of a topic; best first."""
    if cues.facet is None or not ranking:
        return [dict(r) for r in ranking]
    topic = ranking[0].get("topic")

    def weighed(entry: Mapping[str, Any]) -> float:
        path = library.get(str(entry["id"]))
        asked = path is not None and path.topic == topic and path.facet == cues.facet
        return round(float(entry.get("score") or 0.0) + (FACET_BONUS if asked else 0.0), 4)

    return sorted(({**r, "score": weighed(r)} for r in ranking), key=lambda r: -r["score"])


def lean_on_topic(decision: Decision, ranking: Sequence[Mapping[str, Any]], library: GuidanceLibrary,
                  topic: str) -> Decision:
    """A follow-up whose best path, in the conversation's own topic, was only a little ahead of another
    topic's: answered with it (the others offered after it) instead of asked back."""
    first = library.get(decision.path_ids[0]) if decision.path_ids else None
    if decision.outcome is not Outcome.CLARIFY or first is None or first.topic != topic \
            or not ranking or str(ranking[0]["id"]) != first.id:
        return decision
    return Decision(Outcome.ANSWER, (first.id,), decision.path_ids[1:])


def past_the_shown_path(decision: Decision, contextual: Sequence[Mapping[str, Any]],
                        ranking: Sequence[Mapping[str, Any]], library: GuidanceLibrary, cues: Cues,
                        subject: str | None, current: GuidancePath | None, topic: str) -> Decision:
    """A follow-up answered with the very path just shown, although it names another facet, moves on to the
    topic's path of that facet that the rankings found ("entä jos kela hylkää sen?" after the sickness
    allowance: the appeal; for an appeal, e-services, urgent care or support, a path of the area when the
    topic has none), for the person the conversation is about (when nobody was named, whom the path shown
    was for). Only a path the message's rankings scored is taken: a facet word alone never picks one. A
    follow-up that asks more of the same ("kauanko se tarttuu?" after chickenpox: the topic has no path of
    that facet) keeps the path. (Also moving to a sibling that the follow-up's own words rank above the
    path shown lost 2 of the 384 blind follow-ups: left out.)"""
    if decision.outcome is not Outcome.ANSWER or current is None or decision.path_ids[:1] != (current.id,):
        return decision
    if cues.facet is None or cues.facet == current.facet:
        return decision
    if subject is None and set(current.audience) & ABOUT_SOMEONE:
        subject = next(a for a in current.audience if a in ABOUT_SOMEONE)  # the person the path shown was for
    scores: dict[str, float] = {}
    for entry in (*contextual, *ranking):  # the best of its two scores, in context and alone
        scores[str(entry["id"])] = max(scores.get(str(entry["id"]), 0.0), float(entry.get("score") or 0.0))
    scored = [p for i, score in scores.items() if score > 0 and (p := library.get(i)) is not None
              and p.id != current.id and p.facet == cues.facet and for_whom_asked(p, subject)]
    asked = [p for p in scored if p.topic == topic]
    area = library.topics[topic].area if topic in library.topics else None
    if not asked and cues.facet in AREA_FACETS and area is not None:
        asked = [p for p in scored if p.topic in library.topics and library.topics[p.topic].area == area]
    if not asked:
        return decision
    best = max(asked, key=lambda p: (subject is not None and _serves(p, subject), scores[p.id]))
    return Decision(Outcome.ANSWER, (best.id,), tuple(i for i in decision.also if i != best.id))


def combined_scores(ranking: Sequence[Mapping[str, Any]], in_context: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Each path's score for a follow-up: the message's own and its score read in context, weighted
    (the own ranking alone when there is no context)."""
    own = score_map(ranking)
    if not in_context:
        return own
    context = score_map(in_context)
    return {i: OWN_WEIGHT * own.get(i, 0.0) + CONTEXT_WEIGHT * context.get(i, 0.0) for i in {*own, *context}}


def _fit(path: GuidancePath, facet: str | None, facet_weight: float, subject: str | None,
         current: GuidancePath | None, scores: Mapping[str, float]) -> float:
    fit = 4.0 * scores.get(path.id, 0.0)  # the message's own ranking breaks ties (at most ~1.5)
    if facet is not None:
        fit += facet_weight if path.facet == facet else 0.0
    if subject is not None:
        fit += 2.0 if _serves(path, subject) else (-1.0 if path.audience else 0.0)
    elif set(path.audience) & ABOUT_SOMEONE:
        fit -= 1.0  # nobody else named: the resident's own matter, as an adult
    if current is not None and path.id == current.id:
        fit -= 0.25  # a follow-up asks for something else than what was just shown, other things equal
    if path.id == path.topic:
        fit += 0.3   # a topic's main path, when nothing else tells them apart
    return fit


def prefer_named_audience(decision: Decision, ranking: Sequence[Mapping[str, Any]], library: GuidanceLibrary,
                          subject: str | None) -> Decision:
    """Inside a topic, a path for a particular group (a child, a student ...) only when the conversation
    named one: otherwise the topic's path for adults, if the ranking has it close by."""
    if decision.outcome not in (Outcome.ANSWER, Outcome.CLARIFY) or not decision.path_ids:
        return decision
    chosen = library.get(decision.path_ids[0])
    if chosen is None:
        return decision
    scores = score_map(ranking)
    if decision.outcome is Outcome.CLARIFY:
        offered = [library.get(i) for i in decision.path_ids]
        if all(p is not None and p.topic == chosen.topic for p in offered):
            fitting = [p for p in offered if p is not None and _audience_fits(p, subject)]
            if len(fitting) == 1:
                return Decision(Outcome.ANSWER, (fitting[0].id,))
        if subject is None:
            # "miten saan ajan hammashoitoon": the children's dental care, close behind, is no reason to
            # ask back when nobody named a child; decided again among the paths for the resident.
            for_the_resident = [r for r in ranking if (p := library.get(str(r["id"]))) is not None
                                and _audience_fits(p, None)]
            again = decide(for_the_resident, None, 0.0)
            if again.outcome is Outcome.ANSWER and len(for_the_resident) < len(ranking):
                return again
        return decision
    if _audience_fits(chosen, subject):
        return decision
    top = scores.get(chosen.id, 0.0)
    alternatives = [library.get(str(r["id"])) for r in ranking]
    for path in alternatives:
        if path is not None and path.topic == chosen.topic and _audience_fits(path, subject) \
                and top - scores.get(path.id, 0.0) <= ADULT_MARGIN:
            return Decision(Outcome.ANSWER, (path.id,), tuple(i for i in (chosen.id, *decision.also) if i != path.id)[:2])
    return decision


def _audience_fits(path: GuidancePath, subject: str | None) -> bool:
    if subject is None:
        return not set(path.audience) & ABOUT_SOMEONE
    if subject not in ABOUT_SOMEONE:
        return True  # who is asking (a relative ...) leaves the choice to the ranking
    return _serves(path, subject)


def subject_label(subject: str | None) -> str | None:
    """The professional's words for whom the matter concerns (None when the conversation named no one)."""
    return SUBJECT_LABELS.get(subject or "")
