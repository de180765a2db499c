"""Self-care programmes in the chat (issue 18): the result kept in an identified resident's own space,
the programme offer after a self-assessment and its choices, "Tilanteeni on huonompi" leading to a
contact request with the programme progress, and the person key on an identified resident's ticket.
Conversations run through the task actions as Rasa routes them (tests/chat_harness.py)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from actions.own_space import local_date, programme_progress
from actions.programme import ActionProgramme, ActionProgrammeWorse
from actions.programme_progress import snapshot
from actions.programme_texts import load_programme_texts
from actions.store.access import InputRefused
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.models import AssessmentResult, ProgrammeEnrolment
from actions.store.person_key import person_key
from bot.settings import Secret
from tests import helpers
from tests.chat_harness import Chat, texts
from tests.conftest import TEST_PERSON_KEY_SECRET

runtime = helpers.runtime  # the actions' runtime on a store of its own, on the test's clock
clock = helpers.clock
CODE = "131052-308T"
ME = {"code": CODE, "name": "Testi Asukas"}
KEY = person_key(CODE, Secret(TEST_PERSON_KEY_SECRET))


def professional(runtime):
    return AccountStore(runtime.sessions).create("hoitaja", "Hoitaja", "professional", "pitka-salasana-123")


def auditc(chat: Chat, points: tuple[int, int, int]) -> list[dict]:
    """AUDIT-C as a woman of 20-64 years (cut-off 5); the replies to the last answer."""
    chat.say('/start_assessment{"instrument": "auditc"}')
    chat.say('/assessment_answer{"choice": "20_64"}')
    chat.say('/assessment_answer{"choice": "woman"}')
    replies: list[dict] = []
    for value in points:
        replies = chat.say(f'/assessment_answer{{"points": "{value}"}}')
    return replies


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def offer_of(replies: list[dict]) -> dict:
    return next(r for r in replies if any("choose_programme" in b["payload"] for b in r.get("buttons") or []))


def rows(runtime, model) -> list:
    with runtime.sessions() as session:
        return list(session.execute(select(model)).scalars())


# -- the texts -------------------------------------------------------------------------------------------
def test_the_texts_load_and_a_text_asking_for_more_than_it_is_given_is_refused(tmp_path):
    texts_ = load_programme_texts()
    assert texts_.own_space_link() == {"name": "Omat asiat", "url": "/omat-asiat"}
    assert "Tunnistaudu vahvasti" in texts_.needs_identification
    source = (load_programme_texts.__defaults__[0]).read_text(encoding="utf-8")
    broken = tmp_path / "texts.yml"
    broken.write_text(source.replace("Hienoa, ohjelmasi on aloitettu: {title}.",
                                     "Hienoa {name}, ohjelmasi on aloitettu: {title}."), encoding="utf-8")
    with pytest.raises(ValueError, match="started may not use"):
        load_programme_texts(broken)
    broken.write_text(source + "\nunknown_text: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown texts"):
        load_programme_texts(broken)


# -- results over time -----------------------------------------------------------------------------------
def test_an_identified_residents_result_is_kept_once_with_score_and_level_only(runtime):
    chat = Chat(runtime, identity=ME)
    replies = auditc(chat, (1, 0, 0))
    assert "Tuloksesi: 1/12" in texts(replies) and "Tulos tallentui Omiin asioihisi" in texts(replies)
    [kept] = rows(runtime, AssessmentResult)
    assert (kept.person_key, kept.instrument_id, kept.score, kept.band) == (KEY, "auditc", 1, "alle raja-arvon 5")
    # the action retried on the same tracker (Rasa's retry) keeps one result
    state = dict(chat.slots["assessment"])
    state.update(stage="items", answers={"frequency": 1, "quantity": 0}, result=None)
    state.pop("below", None)
    chat.slots["assessment"] = state
    chat.say('/assessment_answer{"points": "0"}')
    assert len(rows(runtime, AssessmentResult)) == 1


def test_a_phq9_result_keeps_the_bands_label_and_no_diagnosis(runtime):
    chat = Chat(runtime, identity=ME)
    chat.say('/start_assessment{"instrument": "phq9"}')
    for points in (1, 1, 1, 1, 1, 1, 0, 0, 0):
        chat.say(f'/assessment_answer{{"points": "{points}"}}')
    [kept] = rows(runtime, AssessmentResult)
    assert (kept.score, kept.band) == (6, "lieviä masennusoireita")


def test_an_anonymous_result_is_not_kept_and_a_forged_identity_is_anonymous(runtime):
    anonymous = Chat(runtime, sender="anon-1")
    forged = Chat(runtime, sender="forged-1", identity=ME, live_session=False)
    for chat in (anonymous, forged):
        replies = auditc(chat, (1, 0, 0))
        assert "Tuloksesi: 1/12" in texts(replies) and "tallentui" not in texts(replies)
    assert rows(runtime, AssessmentResult) == []


# -- the offer and the choice ------------------------------------------------------------------------------
def test_auditc_identified_offer_reduce_enrolled_with_a_link_to_omat_asiat(runtime):
    chat = Chat(runtime, identity=ME)
    replies = auditc(chat, (2, 1, 1))  # 4: below the cut-off
    offer = offer_of(replies)
    assert "Alkoholin käytön omahoito-ohjelma" in offer["text"] and "Mikä on tavoitteesi?" in offer["text"]
    assert [b["title"] for b in offer["buttons"]] == ["Haluan vähentää juomista", "Haluan lopettaa juomisen", "Ei nyt"]
    assert texts(replies).index("omahoito-ohjelma") > texts(replies).index("Tuloksesi")
    assert replies[-1]["buttons"][0]["title"] == "Pyydä silti yhteydenottoa"  # the routing is as it was
    reduce = offer["buttons"][0]["payload"]
    assert json.loads(reduce.removeprefix("/choose_programme")) == {"programme": "alkoholi", "programme_choice": "reduce"}
    replies = chat.say(reduce)
    assert "ohjelmasi on aloitettu" in texts(replies) and "Päätä, montako annosta" in texts(replies)
    assert replies[-1]["custom"]["links"] == [{"name": "Omat asiat", "url": "/omat-asiat"}]
    [enrolment] = rows(runtime, ProgrammeEnrolment)
    assert (enrolment.person_key, enrolment.programme_id, enrolment.programme_version, enrolment.goal,
            enrolment.started_by, enrolment.status) == (KEY, "alkoholi", "1", "reduce", "assessment", "active")
    # a second click (or a retry) keeps the one enrolment and says it is already going
    again = chat.say(reduce)
    assert "jo tämä ohjelma käynnissä" in texts(again) and len(rows(runtime, ProgrammeEnrolment)) == 1
    assert again[-1]["custom"]["links"][0]["url"] == "/omat-asiat"


def test_at_or_above_the_cut_off_the_contact_offer_comes_first_and_stays_open(runtime):
    chat = Chat(runtime, identity=ME)
    replies = auditc(chat, (3, 2, 1))  # 6: at or above the cut-off
    urgency = next(i for i, r in enumerate(replies) if "Kuinka pian" in (r.get("text") or ""))
    offer = replies.index(offer_of(replies))
    assert urgency < offer and "Ammattilaisen yhteydenoton lisäksi" in replies[offer]["text"]
    replies = chat.say('/choose_programme{"programme": "alkoholi", "programme_choice": "stop"}')
    assert "ohjelmasi on aloitettu" in texts(replies) and "vieroitusoireita" in texts(replies)
    assert "yhteydenotto on edelleen tarjolla" in replies[-1]["text"] and chat.state["stage"] == "urgency"
    assert '/assessment_answer{"urgency": "urgent"}' in payloads(replies)
    [enrolment] = rows(runtime, ProgrammeEnrolment)
    assert enrolment.goal == "stop"
    replies = chat.say('/assessment_answer{"urgency": "urgent"}')
    assert chat.form["data"]["urgency"] == "urgent" and chat.form["data"]["assessment"]["instrument"] == "auditc"


def test_no_offer_after_a_crisis_answer_or_a_score_of_zero(runtime):
    chat = Chat(runtime, identity=ME)
    chat.say('/start_assessment{"instrument": "phq9"}')
    replies: list[dict] = []
    for points in (0, 0, 0, 0, 0, 0, 0, 0, 1):  # item 9: the crisis guidance and an urgent contact offer
        replies += chat.say(f'/assessment_answer{{"points": "{points}"}}')
    assert "Kriisipuhelin" in texts(replies) or "112" in texts(replies)
    assert not any("choose_programme" in p for p in payloads(replies)) and "aloittaa" not in texts(replies)
    # a programme choice sent anyway (an old button, a typed payload) starts nothing: the urgency is asked again
    replies = chat.say('/choose_programme{"programme": "mieliala", "programme_choice": "start"}')
    assert rows(runtime, ProgrammeEnrolment) == [] and chat.state["stage"] == "urgency"
    assert '/assessment_answer{"urgency": "urgent"}' in payloads(replies)
    never = Chat(runtime, sender="never-1", identity=ME)
    never.say('/start_assessment{"instrument": "auditc"}')
    never.say('/assessment_answer{"choice": "65_plus"}')
    replies = never.say('/assessment_answer{"points": "0"}')  # "never": the questionnaire ends
    assert "Tuloksesi: 0/12" in texts(replies) and "Voit halutessasi aloittaa" not in texts(replies)
    assert not any("choose_programme" in p for p in payloads(replies))


def test_other_programmes_offer_start_and_not_now(runtime):
    chat = Chat(runtime, identity=ME)
    chat.say('/start_assessment{"instrument": "gad7"}')
    replies: list[dict] = []
    for points in (1, 1, 1, 0, 0, 0, 0):
        replies = chat.say(f'/assessment_answer{{"points": "{points}"}}')
    offer = offer_of(replies)
    assert [b["title"] for b in offer["buttons"]] == ["Aloita ohjelma", "Ei nyt"] and "Haluatko aloittaa" in offer["text"]
    replies = chat.say(offer["buttons"][1]["payload"])
    assert "Selvä, ei nyt" in texts(replies) and rows(runtime, ProgrammeEnrolment) == []
    replies = chat.say(offer["buttons"][0]["payload"])
    assert "ohjelmasi on aloitettu" in texts(replies)
    [enrolment] = rows(runtime, ProgrammeEnrolment)
    assert (enrolment.programme_id, enrolment.goal) == ("stressi", None)


def test_anonymous_residents_are_told_programmes_need_identification(runtime):
    chat = Chat(runtime, sender="anon-2")
    replies = auditc(chat, (2, 1, 1))
    assert not any("choose_programme" in p for p in payloads(replies))
    told = texts(replies)
    assert "Alkoholin käytön omahoito-ohjelma" in told and "tunnistautunut vahvasti" in told
    assert "Tunnistaudu vahvasti" in told
    # a choice sent anyway (a forged payload, or an old button) stores nothing
    replies = chat.say('/choose_programme{"programme": "alkoholi", "programme_choice": "reduce"}')
    assert "Tunnistaudu vahvasti" in texts(replies)
    assert rows(runtime, ProgrammeEnrolment) == [] and rows(runtime, AssessmentResult) == []


def test_unknown_programmes_and_choices_are_refused_without_storing(runtime):
    chat = Chat(runtime, identity=ME)
    replies = chat.say('/choose_programme{"programme": "ei-ole", "programme_choice": "start"}')
    assert "ei valitettavasti enää löydy" in texts(replies)
    replies = chat.say('/choose_programme{"programme": "alkoholi", "programme_choice": "start"}')
    assert [b["title"] for b in replies[0]["buttons"]][:2] == ["Haluan vähentää juomista", "Haluan lopettaa juomisen"]
    replies = chat.say('/choose_programme{"programme": "stressi", "programme_choice": "reduce"}')
    assert [b["title"] for b in replies[0]["buttons"]] == ["Aloita ohjelma", "Ei nyt"]
    assert rows(runtime, ProgrammeEnrolment) == []


def test_a_store_that_cannot_be_reached_is_told_and_the_retry_button_enrols(runtime):
    from actions.store.models import Base
    from actions.store.own_space import OwnSpaceStore

    chat = Chat(runtime, identity=ME)
    broken_engine = make_engine("sqlite://")
    Base.metadata.tables["programme_enrolment"].drop(broken_engine)
    broken = dataclasses.replace(runtime)
    broken.__dict__["own_space"] = OwnSpaceStore(make_session_factory(broken_engine), Secret(TEST_PERSON_KEY_SECRET))
    chat.by_rule["choose_programme"] = ActionProgramme(broken)
    replies = chat.say('/choose_programme{"programme": "stressi", "programme_choice": "start"}')
    assert "ei juuri nyt onnistunut" in texts(replies)
    assert replies[0]["buttons"][0]["payload"] == '/choose_programme{"programme": "stressi", "programme_choice": "start"}'
    chat.by_rule["choose_programme"] = ActionProgramme(runtime)
    assert "ohjelmasi on aloitettu" in texts(chat.say(replies[0]["buttons"][0]["payload"]))


# -- "Tilanteeni on huonompi" ------------------------------------------------------------------------------
def enrolled_with_progress(runtime, clock) -> int:
    """An alcohol programme started a week and a half ago: module 1 done, its check-in, a diary."""
    started = clock["now"] - dt.timedelta(days=9)
    clock_now = clock["now"]
    clock["now"] = started
    enrolment, _ = runtime.own_space.enrol(KEY, "alkoholi", 1, "assessment", "reduce")
    own = runtime.own_space
    for day, amount in ((0, 3), (1, 0), (2, 6), (8, 2)):
        clock["now"] = started + dt.timedelta(days=day)
        own.record_progress(KEY, enrolment.id, "diary", f"diary-{day}",
                            value={"day": local_date(runtime, clock["now"]).isoformat(), "amount": amount})
    own.record_progress(KEY, enrolment.id, "module_done", "m1", module_id="tavoite-ja-paivakirja")
    own.record_progress(KEY, enrolment.id, "checkin", "c1", module_id="tavoite-ja-paivakirja", value="not_yet")
    own.record_progress(KEY, enrolment.id, "checkin", "c2", module_id="tavoite-ja-paivakirja", value="some_days")
    clock["now"] = clock_now
    return enrolment.id


def test_worse_identified_leads_to_a_contact_request_with_the_progress_and_the_person_key(runtime, clock):
    enrolled_with_progress(runtime, clock)
    chat = Chat(runtime, identity=ME)
    replies = chat.say('/programme_worse{"programme": "alkoholi"}')
    assert "Kiitos, että kerroit" in replies[0]["text"] and "{{" not in replies[0]["text"]
    assert "09 2525 0111" in replies[0]["text"] or "Kriisipuhelin" in replies[0]["text"]
    assert [b["title"] for b in replies[0]["buttons"]] == ["Tarvitsen apua pian", "Yhteydenotto lähipäivinä riittää"]
    replies = chat.say(replies[0]["buttons"][0]["payload"])
    assert "Ohjelmasi tiedot liitetään pyyntöön" in texts(replies)
    data = chat.form["data"]
    assert (data["urgency"], data["reason"], data["role"], data["worse_programme"]) == (
        "urgent", "health", "resident", "alkoholi")
    assert chat.form["stage"] == "words" and replies[-1]["buttons"][0]["title"] == "Ohita"
    chat.say('/contact_answer{"form_value": "skip"}')
    chat.say('/contact_answer{"form_value": "secure_message"}')
    replies = chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    assert "Omahoito-ohjelma Alkoholin käytön omahoito-ohjelma: 1/3 osaa tehty" in texts(replies)
    chat.say('/contact_answer{"form_value": "yes", "form_id": "%s"}' % chat.form["form_id"])
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.urgency, ticket.contact_method, ticket.person_key) == ("urgent", "secure_message", KEY)
    assert "asukas kertoi tilanteensa olevan huonompi" in ticket.resident_words
    assert runtime.tickets.of_person(KEY)[0].reference == ticket.reference
    [progress] = ticket.prefilled["programmes"]
    assert ticket.prefilled["worse_programme"] == "alkoholi"
    assert {k: progress[k] for k in ("programme", "goal", "goal_label", "modules_done", "modules_total",
                                     "reported_worse")} == {
        "programme": "alkoholi", "goal": "reduce", "goal_label": "Haluan vähentää juomista", "modules_done": 1,
        "modules_total": 3, "reported_worse": True}
    assert progress["checkins"] == [{"module": "tavoite-ja-paivakirja", "answer": "Osana päivistä",
                                     "question": "Monena päivänä ehdit kirjata päiväkirjaan tällä viikolla?"}]
    assert [(w["week"], w["total"], w["days_recorded"], w["dry_days"]) for w in progress["diary_weeks"]] == [
        (1, 9.0, 3, 1), (2, 2.0, 1, 0)]


def test_worse_anonymous_needs_identification_and_still_offers_help(runtime):
    chat = Chat(runtime, sender="anon-3")
    replies = chat.say('/programme_worse{"programme": "alkoholi"}')
    assert "Tunnistaudu vahvasti" in replies[0]["text"] and "112" in replies[0]["text"]
    assert replies[0]["buttons"][0]["payload"] == "/request_contact"
    assert chat.form is None
    replies = chat.say('/programme_worse{"programme": "alkoholi", "programme_choice": "soon"}')
    assert chat.form is None and "Tunnistaudu vahvasti" in texts(replies)


def test_worse_with_an_unknown_programme_or_choice(runtime):
    chat = Chat(runtime, identity=ME)
    replies = chat.say('/programme_worse{"programme": "ei-ole"}')
    assert "En löytänyt ohjelmaa" in replies[0]["text"] and replies[0]["buttons"][0]["payload"] == "/request_contact"
    replies = chat.say('/programme_worse{"programme": "mieliala", "programme_choice": "ei-ole"}')
    assert chat.form is None and len(replies[0]["buttons"]) == 2  # the worse step's choices again


def test_worse_replaces_a_form_or_an_assessment_left_half_way(runtime):
    chat = Chat(runtime, identity=ME)
    chat.say("soittopyyntö", intent="request_contact")
    chat.say('/contact_answer{"form_value": "social"}')
    first = chat.form["form_id"]
    replies = chat.say('/programme_worse{"programme": "mieliala"}')
    assert chat.form is None and [b["payload"] for b in replies[-1]["buttons"]][0].startswith("/programme_worse")
    chat.say(replies[-1]["buttons"][1]["payload"])
    assert chat.form["form_id"] != first and chat.form["data"]["urgency"] == "normal"
    other = Chat(runtime, sender="resident-8", identity=ME)
    other.say('/start_assessment{"instrument": "phq9"}')
    replies = other.say('/programme_worse{"programme": "mieliala"}')
    assert other.state is None and "programme_worse" in replies[-1]["buttons"][0]["payload"]


# -- any identified contact request ----------------------------------------------------------------------
def test_an_identified_request_carries_the_person_key_and_the_active_progress(runtime, clock):
    enrolled_with_progress(runtime, clock)
    chat = Chat(runtime, identity=ME)
    chat.say("soittopyyntö", intent="request_contact")
    chat.say('/contact_answer{"form_value": "documents"}')
    chat.say('/contact_answer{"form_value": "resident"}')
    chat.say("Tarvitsen kopion hoitopäätöksestä", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "normal"}')
    chat.say('/contact_answer{"form_value": "phone"}')
    chat.say("040 123 4567", intent="ask_guidance")
    replies = chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    assert "1/3 osaa tehty" in texts(replies)
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert ticket.person_key == KEY and ticket.prefilled["programmes"][0]["reported_worse"] is False
    assert "worse_programme" not in ticket.prefilled


def test_a_session_ended_before_consent_leaves_the_programmes_and_the_key_out(runtime, clock):
    from actions.store.identification import IdentificationStore

    enrolled_with_progress(runtime, clock)
    chat = Chat(runtime, sender="ends-1", identity=ME, live_session=False)
    sessions = IdentificationStore(runtime.sessions)
    opened = sessions.open_session("ends-1", dt.timedelta(hours=1))
    chat.say("soittopyyntö", intent="request_contact")
    chat.say('/contact_answer{"form_value": "documents"}')
    chat.say('/contact_answer{"form_value": "resident"}')
    chat.say("Tarvitsen kopion hoitopäätöksestä", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "normal"}')
    chat.say('/contact_answer{"form_value": "phone"}')
    chat.say("040 123 4567", intent="ask_guidance")
    assert "1/3 osaa tehty" in texts(chat.say('/contact_answer{"form_value": "Aamupäivällä"}'))
    sessions.end_session(opened.key)
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert (ticket.channel, ticket.person_key) == ("anonymous_chat", None) and "programmes" not in ticket.prefilled


def test_an_anonymous_request_has_no_person_key_nor_programmes(runtime, clock):
    enrolled_with_progress(runtime, clock)
    chat = Chat(runtime, sender="anon-4")
    chat.say("soittopyyntö", intent="request_contact")
    chat.say('/contact_answer{"form_value": "documents"}')
    chat.say('/contact_answer{"form_value": "resident"}')
    chat.say("Tarvitsen kopion hoitopäätöksestä", intent="ask_guidance")
    chat.say('/contact_answer{"form_value": "normal"}')
    chat.say("040 123 4567", intent="ask_guidance")
    replies = chat.say('/contact_answer{"form_value": "Aamupäivällä"}')
    assert "Omahoito-ohjelma" not in texts(replies)
    chat.say("kyllä", intent="affirm")
    [ticket] = runtime.tickets.queue(professional(runtime))
    assert ticket.person_key is None and "programmes" not in ticket.prefilled


# -- the progress snapshot ---------------------------------------------------------------------------------
def test_the_snapshot_reads_what_it_can_and_leaves_out_the_rest(runtime, clock):
    enrolment_id = enrolled_with_progress(runtime, clock)
    own = runtime.own_space
    for odd in ({"amount": "kolme"}, {"amount": 1, "day": "ei päivä"}, {"annokset": 1, "paiva": "2026-11-25"}):
        with pytest.raises(InputRefused):  # the one shape a diary entry is kept in
            own.record_progress(KEY, enrolment_id, "diary", "odd", value=odd)
    own.record_progress(KEY, enrolment_id, "checkin", "odd-3", module_id="tilanteet", value={"x": 1})
    library = runtime.library.current()
    [item] = programme_progress(runtime, KEY, library)
    assert [w["total"] for w in item["diary_weeks"]] == [9.0, 2.0] and len(item["checkins"]) == 1
    assert programme_progress(runtime, person_key("010101-123N", Secret(TEST_PERSON_KEY_SECRET)), library) == []
    # straight from the pure function: a given day counts on that day
    programme = library.programmes["alkoholi"]
    enrolment = next(e for e in own.enrolments(KEY))
    entries = own.progress(KEY, enrolment_id)
    today = clock["now"].date()
    made = snapshot(programme, enrolment, entries, today, lambda moment: moment.date())
    assert made["started"] == (clock["now"] - dt.timedelta(days=9)).date().isoformat()


def test_a_single_module_a_professional_assigned_is_counted_alone_on_a_contact_request(runtime):
    from tests.test_secure_messages import draft

    pro = professional(runtime)
    ticket, _ = runtime.tickets.create(draft(CODE), "conv-1:form-1")
    runtime.tickets.claim(pro, ticket.id)
    single, _ = runtime.own_space.assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    runtime.own_space.record_progress(KEY, single.id, "module_done", "done-1", module_id="uni-ja-rytmi")
    [item] = programme_progress(runtime, KEY, runtime.library.current())
    assert (item["module"], item["modules_done"], item["modules_total"]) == ("uni-ja-rytmi", 1, 1)
    assert item["title"] == "Mielialan omahoito-ohjelma – osa: Uni ja arjen rytmi"


def test_the_new_actions_are_named_in_the_domain():
    import yaml

    from tests.conftest import PROJECT_DIR

    domain = yaml.safe_load((PROJECT_DIR / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert {ActionProgramme().name(), ActionProgrammeWorse().name()} <= set(domain["actions"])
    assert {"choose_programme", "programme_worse"} <= set(domain["intents"])
    assert {"programme", "programme_choice"} <= set(domain["entities"])


# -- the offer after a guidance path -------------------------------------------------------------------
def follow_path(chat: Chat, runtime, path_id: str) -> list[dict]:
    """The resident picks a guidance path (its button); the replies of action_guidance."""
    from actions.guidance import ActionGuidance

    message = {"text": f'/choose_path{{"path_id": "{path_id}"}}', "intent": {"name": "choose_path", "confidence": 1},
               "entities": [{"entity": "path_id", "value": path_id}], "guidance_ranking": []}
    chat.events.append({"event": "user", "text": message["text"]})
    return chat.run(ActionGuidance(runtime), message)


def test_after_a_programmes_path_an_identified_resident_is_offered_it_and_starts_it_from_the_path(runtime):
    chat = Chat(runtime, identity=ME)
    replies = follow_path(chat, runtime, "stressi-ja-uupumus")
    offer = offer_of(replies)
    assert "Stressin ja huolten omahoito-ohjelma" in offer["text"] and "Tämän aiheen tueksi" in offer["text"]
    assert offer["custom"]["programme_offer"] == {"id": "stressi", "from": "path"}
    assert [b["title"] for b in offer["buttons"]] == ["Aloita ohjelma", "Ei nyt"]
    assert not offer_of_or_none(follow_path(chat, runtime, "stressi-ja-uupumus"))  # once in a conversation
    replies = chat.say(offer["buttons"][0]["payload"])
    assert "ohjelmasi on aloitettu" in texts(replies)
    [enrolment] = rows(runtime, ProgrammeEnrolment)
    assert (enrolment.programme_id, enrolment.started_by) == ("stressi", "path")
    other = Chat(runtime, sender="resident-8", identity=ME)  # already going: not offered again
    assert not offer_of_or_none(follow_path(other, runtime, "stressi-ja-uupumus"))


def test_after_a_path_the_offer_keeps_the_start_rule_and_an_anonymous_resident_hears_of_identification(runtime):
    runtime.own_space.record_result(KEY, "gad7", 16, "vaikea")
    chat = Chat(runtime, identity=ME)
    assert not offer_of_or_none(follow_path(chat, runtime, "stressi-ja-uupumus"))  # a professional first
    anonymous = Chat(runtime, sender="anon-9")
    replies = follow_path(anonymous, runtime, "stressi-ja-uupumus")
    assert not offer_of_or_none(replies) and "tunnistautunut vahvasti" in texts(replies)
    assert "Stressin ja huolten omahoito-ohjelma" in texts(replies)
    assert "tunnistautunut vahvasti" not in texts(follow_path(anonymous, runtime, "stressi-ja-uupumus"))  # told once
    assert rows(runtime, ProgrammeEnrolment) == []


def offer_of_or_none(replies: list[dict]) -> dict | None:
    return next((r for r in replies if any("choose_programme" in b["payload"] for b in r.get("buttons") or [])), None)
