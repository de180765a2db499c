"""The own space's store on SQLite and PostgreSQL: service terms, self-care programmes and their
progress, plan notes, assessment results over time; each person reaches only their own rows, a
professional only through an identified ticket (in the access log); retention and erasure."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from actions.store.access import InputRefused, NotIdentified, StaffOnly
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.erasure import erase_conversation
from actions.store.identification import IdentificationStore
from actions.store.messages import MessageStore
from actions.store.models import (AccessLogEntry, AssessmentResult, IdentifiedSession, NotificationAddress,
                                  OutboxNotification, ProgrammeEnrolment, SecureMessage, TermsAcceptance)
from actions.store.office_hours import OfficeHours
from actions.store.outbox import OutboxStore
from actions.store.own_space import MAX_VALUE_JSON, EnrolmentEnded, EnrolmentNotFound, OwnSpaceStore
from actions.store.person_key import NotAPersonKey, person_key
from actions.store.retention import apply_retention
from actions.store.tickets import ClaimConflict, TicketStore
from actions.store.transcripts import TranscriptStore
from bot.settings import PrivacySettings
from tests.helpers import all_at_once
from tests.test_secure_messages import OTHER_RESIDENT, PASSWORD, RESIDENT, SECRET, draft

NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def space(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": NOW}
    moved = lambda: clock["now"]  # noqa: E731 - one clock for every store
    accounts = AccountStore(sessions, clock=moved)
    tickets = TicketStore(sessions, OfficeHours(), clock=moved)
    pro = accounts.create("maija.m", "Maija", "professional", PASSWORD)
    ticket, _ = tickets.create(draft(), "conv-1:form-1")
    anonymous, _ = tickets.create(draft(None, "anon", method="phone"), "anon:form-1")
    yield dict(engine=engine, sessions=sessions, clock=clock, accounts=accounts, tickets=tickets, pro=pro,
               ticket=ticket, anonymous=anonymous, own=OwnSpaceStore(sessions, SECRET, clock=moved),
               me=person_key(RESIDENT, SECRET), other=person_key(OTHER_RESIDENT, SECRET))
    engine.dispose()


def later(space, days: float) -> None:
    space["clock"]["now"] += dt.timedelta(days=days)


# -- terms ----------------------------------------------------------------------------------------------

def test_terms_are_accepted_once_per_version_with_the_time(space) -> None:
    own, me, other = space["own"], space["me"], space["other"]
    assert not own.terms_accepted(me, "2026-1")
    accepted = own.accept_terms(me, "2026-1")
    later(space, 1)
    again = own.accept_terms(me, "2026-1")
    assert again.id == accepted.id and again.accepted_at == NOW
    assert own.terms_accepted(me, "2026-1") and not own.terms_accepted(me, "2027-1")  # a new version asks again
    assert not own.terms_accepted(other, "2026-1")
    outcomes = all_at_once(lambda _: own.accept_terms(other, "2026-1").id, range(3))
    assert len(set(outcomes)) == 1 and not any(isinstance(o, Exception) for o in outcomes)
    with pytest.raises(InputRefused):
        own.accept_terms(me, "")
    with pytest.raises(NotAPersonKey):
        own.terms_accepted("", "2026-1")


# -- programmes -----------------------------------------------------------------------------------------

def test_a_resident_follows_a_programme_and_only_they_reach_its_progress(space) -> None:
    own, me, other = space["own"], space["me"], space["other"]
    enrolment, created = own.enrol(me, "alkoholi", "1", "assessment", goal="reduce")
    assert created and (enrolment.status, enrolment.goal, enrolment.started_by) == ("active", "reduce", "assessment")
    same, created = own.enrol(me, "alkoholi", "1", "path")
    assert not created and same.id == enrolment.id  # one active enrolment per programme

    done, created = own.record_progress(me, enrolment.id, "module_done", "m1-done", module_id="viikko-1")
    later(space, 1)
    diary, _ = own.record_progress(me, enrolment.id, "diary", "diary-2026-11-26",
                                   value={"day": "2026-11-26", "amount": 3})
    repeat, created_again = own.record_progress(me, enrolment.id, "diary", "diary-2026-11-26", value={"day": "2026-11-26", "amount": 9})
    assert created and not created_again and repeat.id == diary.id and repeat.value["amount"] == 3
    assert [(p.kind, p.module_id) for p in own.progress(me, enrolment.id)] == [("module_done", "viikko-1"),
                                                                              ("diary", None)]

    for attempt in (lambda: own.progress(other, enrolment.id),
                    lambda: own.record_progress(other, enrolment.id, "diary", "x", value={"day": "2026-11-26", "amount": 1}),
                    lambda: own.end_enrolment(other, enrolment.id, "stopped"),
                    lambda: own.progress(me, enrolment.id + 1000)):
        with pytest.raises(EnrolmentNotFound):
            attempt()
    assert own.enrolments(other) == []

    ended = own.end_enrolment(me, enrolment.id, "finished")
    assert (ended.status, ended.ended_at) == ("finished", space["clock"]["now"])
    with pytest.raises(EnrolmentEnded):
        own.record_progress(me, enrolment.id, "checkin", "late", value="huonompi")
    renewed, created = own.enrol(me, "alkoholi", 2, "path", goal="stop")  # the version as the file has it
    assert created and renewed.programme_version == "2"
    assert [e.id for e in own.enrolments(me)] == [renewed.id, enrolment.id]  # newest first


def test_a_diary_has_one_entry_a_day_and_a_later_one_corrects_it(space) -> None:
    own, me = space["own"], space["me"]
    enrolment, _ = own.enrol(me, "alkoholi", "1", "resident", goal="reduce")
    first, created = own.record_progress(me, enrolment.id, "diary", "k1", value={"day": "2026-11-25", "amount": 6})
    again, created_again = own.record_progress(me, enrolment.id, "diary", "k1", value={"day": "2026-11-25", "amount": 6})
    assert created and not created_again and again.id == first.id  # a double submit
    later(space, 0.1)
    corrected, stored = own.record_progress(me, enrolment.id, "diary", "k2", value={"day": "2026-11-25", "amount": 2},
                                            module_id="tavoite-ja-paivakirja")
    assert stored and corrected.id == first.id and corrected.value == {"day": "2026-11-25", "amount": 2}
    assert corrected.recorded_at == space["clock"]["now"] and corrected.module_id == "tavoite-ja-paivakirja"
    own.record_progress(me, enrolment.id, "diary", "k3", value={"day": "2026-11-26", "amount": 0})
    assert [(p.day, p.value["amount"]) for p in own.progress(me, enrolment.id)] == [
        (dt.date(2026, 11, 25), 2), (dt.date(2026, 11, 26), 0)]
    outcomes = all_at_once(lambda n: own.record_progress(me, enrolment.id, "diary", f"r{n}",
                                                         value={"day": "2026-11-24", "amount": n}), range(3))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(1 for p in own.progress(me, enrolment.id) if p.day == dt.date(2026, 11, 24)) == 1
    for odd in ({"annokset": 3}, {"paiva": "2026-11-25", "annokset": 3}, {"day": "2026-11-25"},
                {"day": "eilen", "amount": 1}, {"day": "2026-11-25", "amount": -1}, {"day": "2026-11-25", "amount": True},
                {"day": "2026-11-25", "amount": 1, "note": "x"}, 3):
        with pytest.raises(InputRefused) as refused:
            own.record_progress(me, enrolment.id, "diary", "odd", value=odd)
        assert refused.value.field == "value"


def test_progress_values_are_small_json_and_kinds_are_known(space) -> None:
    own, me = space["own"], space["me"]
    enrolment, _ = own.enrol(me, "uni", "1", "path")
    stored, _ = own.record_progress(me, enrolment.id, "checkin", "c1", value={"vastaus": "parempi\u202e"})
    assert stored.value == {"vastaus": "parempi"}
    for kind, key, value, field in (("diary", "big", {"teksti": "x" * MAX_VALUE_JSON}, "value"),
                                    ("diary", "odd", {1, 2}, "value"),
                                    ("mood", "k", None, "kind"),
                                    ("diary", "", None, "idempotency_key")):
        with pytest.raises(InputRefused) as refused:
            own.record_progress(me, enrolment.id, kind, key, value=value)
        assert refused.value.field == field
    for field, attempt in (("started_by", lambda: own.enrol(me, "uni", "1", "professional")),
                           ("programme_id", lambda: own.enrol(me, "Uni ohjelma", "1", "path")),
                           ("goal", lambda: own.enrol(me, "mieliala", "1", "path", goal="<script>"))):
        with pytest.raises(InputRefused) as refused:
            attempt()
        assert refused.value.field == field
    assert len(own.progress(me, enrolment.id)) == 1


def test_a_professional_assigns_a_programme_and_writes_the_plan_through_an_identified_ticket(space) -> None:
    own, pro, ticket, me, other = space["own"], space["pro"], space["ticket"], space["me"], space["other"]
    with pytest.raises(ClaimConflict, match="claim the ticket first"):  # changes need the ticket held
        own.assign_programme(pro, ticket.id, "mieliala", "1")
    with pytest.raises(ClaimConflict, match="claim the ticket first"):
        own.add_plan_note(pro, ticket.id, "Ei vielä.")
    space["tickets"].claim(pro, ticket.id)
    enrolment, created = own.assign_programme(pro, ticket.id, "mieliala", "1")
    assert created and (enrolment.person_key, enrolment.started_by, enrolment.staff_account_id) == \
        (me, "professional", pro.id)
    assert own.assign_programme(pro, ticket.id, "mieliala", "1")[0].id == enrolment.id
    note, _ = own.add_plan_note(pro, ticket.id, "Aloitetaan aktiivisuuden suunnittelusta.", enrolment.id)
    assert note.person_key == me and [n.text for n in own.plan_notes(me)] == [note.text]
    assert own.plan_notes(other) == []

    others, _ = own.enrol(other, "uni", "1", "path")
    with pytest.raises(EnrolmentNotFound):  # a note cannot land on another person's programme
        own.add_plan_note(pro, ticket.id, "Väärä ohjelma.", others.id)
    with pytest.raises(NotIdentified):
        own.assign_programme(pro, space["anonymous"].id, "mieliala", "1")
    with pytest.raises(NotIdentified):
        own.overview_for_staff(pro, space["anonymous"].id)
    editor = space["accounts"].create("eero.e", "Eero", "editor", PASSWORD)
    for attempt in (lambda: own.overview_for_staff(editor, ticket.id),
                    lambda: own.assign_programme(editor, ticket.id, "uni", "1"),
                    lambda: own.add_plan_note(editor, ticket.id, "Hei")):
        with pytest.raises(StaffOnly):
            attempt()
    with space["sessions"]() as session:
        actions = [e.action for e in session.execute(select(AccessLogEntry).where(
            AccessLogEntry.account_id == pro.id, AccessLogEntry.ticket_id == ticket.id)).scalars()]
    assert actions.count("programme-assign") == 2 and actions.count("plan-note") == 1
    colleague = space["accounts"].create("ville.v", "Ville", "professional", PASSWORD)
    with pytest.raises(ClaimConflict, match="another professional"):
        own.add_plan_note(colleague, ticket.id, "Minun muistiinpanoni.")
    space["tickets"].close(pro, ticket.id, "no_further_need")
    with pytest.raises(ClaimConflict, match="closed"):
        own.assign_programme(pro, ticket.id, "alkoholi", "1", goal="reduce")
    assert [n.text for n in own.plan_notes(me)] == [note.text]


def test_a_professional_assigns_a_single_module_beside_the_whole_programme(space) -> None:
    own, pro, ticket, me, other = space["own"], space["pro"], space["ticket"], space["me"], space["other"]
    with pytest.raises(ClaimConflict, match="claim the ticket first"):  # the same rule as a programme
        own.assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    space["tickets"].claim(pro, ticket.id)
    whole, _ = own.enrol(me, "mieliala", "1", "assessment")
    sleep, created = own.assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    assert created and sleep.id != whole.id
    assert (sleep.person_key, sleep.module_id, sleep.started_by, sleep.staff_account_id, sleep.status) == \
        (me, "uni-ja-rytmi", "professional", pro.id, "active")
    assert own.assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")[0].id == sleep.id  # already active
    thoughts, created = own.assign_module(pro, ticket.id, "mieliala", "1", "ajatukset")
    assert created and thoughts.id not in (sleep.id, whole.id)
    assert own.enrol(me, "mieliala", "1", "path")[0].id == whole.id  # the whole programme is its own enrolment
    assert own.assign_programme(pro, ticket.id, "mieliala", "1")[0].id == whole.id
    assert {e.module_id for e in own.enrolments(me)} == {None, "uni-ja-rytmi", "ajatukset"}
    assert own.enrolments(other) == []

    entry, _ = own.record_progress(me, sleep.id, "module_done", "done-1", "uni-ja-rytmi")
    assert [e.id for e in own.progress(me, sleep.id)] == [entry.id] and own.progress(me, whole.id) == []
    with pytest.raises(EnrolmentNotFound):
        own.progress(other, sleep.id)
    own.end_enrolment(me, sleep.id, "stopped")
    again, created = own.assign_module(pro, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    assert created and again.id != sleep.id  # a stopped one may be assigned anew
    overview = own.overview_for_staff(pro, ticket.id)
    assert {(e.id, e.module_id) for e in overview.enrolments} >= {(sleep.id, "uni-ja-rytmi"), (again.id, "uni-ja-rytmi")}

    for bad in ("", "Uni ja rytmi", "x" * 121, None):
        with pytest.raises(InputRefused):
            own.assign_module(pro, ticket.id, "mieliala", "1", bad)
    with pytest.raises(NotIdentified):
        own.assign_module(pro, space["anonymous"].id, "mieliala", "1", "uni-ja-rytmi")
    editor = space["accounts"].create("eero.e", "Eero", "editor", PASSWORD)
    with pytest.raises(StaffOnly):
        own.assign_module(editor, ticket.id, "mieliala", "1", "uni-ja-rytmi")
    colleague = space["accounts"].create("ville.v", "Ville", "professional", PASSWORD)
    with pytest.raises(ClaimConflict, match="another professional"):
        own.assign_module(colleague, ticket.id, "mieliala", "1", "pienet-teot")
    with space["sessions"]() as session:
        lines = [(e.action, e.detail) for e in session.execute(select(AccessLogEntry).where(
            AccessLogEntry.account_id == pro.id, AccessLogEntry.action == "module-assign")).scalars()]
    assert lines == [("module-assign", "mieliala/uni-ja-rytmi assigned"),
                     ("module-assign", "mieliala/uni-ja-rytmi already active"),
                     ("module-assign", "mieliala/ajatukset assigned"), ("module-assign", "mieliala/uni-ja-rytmi assigned")]
    space["tickets"].close(pro, ticket.id, "no_further_need")
    with pytest.raises(ClaimConflict, match="closed"):
        own.assign_module(pro, ticket.id, "mieliala", "1", "pienet-teot")
    assert len(own.enrolments(me)) == 4


@pytest.mark.parametrize("assign", [lambda own, pro, ticket: own.assign_module(pro, ticket, "stressi", "1", "huolet"),
                                    lambda own, pro, ticket: own.assign_programme(pro, ticket, "stressi", "1")],
                         ids=["module", "programme"])
def test_two_assignments_at_once_make_one_enrolment(space, assign) -> None:
    own, pro, ticket = space["own"], space["pro"], space["ticket"]
    space["tickets"].claim(pro, ticket.id)
    outcomes = all_at_once(lambda _: assign(own, pro, ticket.id)[0].id, range(3))
    assert len(set(outcomes)) == 1 and not any(isinstance(o, Exception) for o in outcomes)
    assert len(own.enrolments(space["me"])) == 1


def test_a_resident_starting_a_programme_several_times_at_once_has_one_active_enrolment(space) -> None:
    """A double click on the page, the chat and the page at once: one enrolment, the others find it."""
    own, me, pro, ticket = space["own"], space["me"], space["pro"], space["ticket"]
    outcomes = all_at_once(lambda _: own.enrol(me, "alkoholi", "1", "resident", "reduce"), range(4))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert len({enrolment.id for enrolment, _ in outcomes}) == 1
    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    space["tickets"].claim(pro, ticket.id)  # a professional's assignment at the same time as the resident's start
    outcomes = all_at_once(lambda n: (own.enrol(me, "stressi", "1", "resident") if n % 2
                                      else own.assign_programme(pro, ticket.id, "stressi", "1")), range(4))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert len({enrolment.id for enrolment, _ in outcomes}) == 1
    assert [e.programme_id for e in own.enrolments(me) if e.status == "active"] == ["stressi", "alkoholi"]


def test_the_database_refuses_a_second_active_enrolment_but_not_after_the_first_ended(space) -> None:
    from sqlalchemy.exc import IntegrityError

    own, me, sessions = space["own"], space["me"], space["sessions"]

    def insert(module_id=None) -> None:
        with sessions() as session, session.begin():
            session.add(ProgrammeEnrolment(person_key=me, programme_id="mieliala", programme_version="1",
                                           module_id=module_id, started_at=NOW, started_by="path", status="active"))

    first, _ = own.enrol(me, "mieliala", "1", "path")
    with pytest.raises(IntegrityError):
        insert()
    insert("pienet-teot")  # a single module beside the whole programme
    with pytest.raises(IntegrityError):
        insert("pienet-teot")
    own.end_enrolment(me, first.id, "stopped")
    again, created = own.enrol(me, "mieliala", "1", "path")
    assert created and again.id != first.id


def test_a_plan_note_submitted_twice_or_at_once_is_stored_once(space) -> None:
    own, pro, ticket, sessions = space["own"], space["pro"], space["ticket"], space["sessions"]
    space["tickets"].claim(pro, ticket.id)
    first, created = own.add_plan_note(pro, ticket.id, "Soitetaan viikon päästä.", idempotency_key="note-1")
    again, created_again = own.add_plan_note(pro, ticket.id, "Soitetaan viikon päästä.", idempotency_key="note-1")
    assert created and not created_again and again.id == first.id
    outcomes = all_at_once(lambda _: own.add_plan_note(pro, ticket.id, "Kaksoisklikkaus.", idempotency_key="note-2"),
                           range(3))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert len({note.id for note, _ in outcomes}) == 1 and sum(created for _, created in outcomes) == 1
    other, created = own.add_plan_note(pro, ticket.id, "Kaksoisklikkaus.", idempotency_key="note-3")
    assert created and other.id != first.id
    assert [n.text for n in own.plan_notes(space["me"])] == ["Soitetaan viikon päästä.", "Kaksoisklikkaus.",
                                                             "Kaksoisklikkaus."]
    with sessions() as session:
        lines = session.execute(select(AccessLogEntry.detail).where(AccessLogEntry.action == "plan-note")).scalars()
        assert sorted(lines) == ["", "", "", "repeat", "repeat", "repeat"]
    with pytest.raises(InputRefused):
        own.add_plan_note(pro, ticket.id, "Hei", idempotency_key="x" * 121)


# -- assessment results over time -----------------------------------------------------------------------

def test_results_over_time_belong_to_their_person_and_a_repeat_is_one_result(space) -> None:
    own, pro, ticket, me, other = space["own"], space["pro"], space["ticket"], space["me"], space["other"]
    first, created = own.record_result(me, "auditc", 7, "riskijuomisen raja ylittyy", idempotency_key="run-1")
    again, created_again = own.record_result(me, "auditc", 7, "riskijuomisen raja ylittyy", idempotency_key="run-1")
    assert created and not created_again and again.id == first.id
    later(space, 21)
    own.record_result(me, "auditc", 4, "riskijuomisen raja ei ylity")
    own.record_result(me, "phq9", 8, "lieviä masennusoireita", taken_at=NOW + dt.timedelta(days=1))
    own.record_result(other, "auditc", 2, "riskijuomisen raja ei ylity")

    assert [(r.instrument_id, r.score) for r in own.results(me)] == [("auditc", 7), ("phq9", 8), ("auditc", 4)]
    assert [r.score for r in own.results(me, "auditc")] == [7, 4]  # the change the programme's end shows
    assert [r.score for r in own.results(other)] == [2]
    for field, attempt in (("score", lambda: own.record_result(me, "auditc", -1, "x")),
                           ("score", lambda: own.record_result(me, "auditc", True, "x")),
                           ("band", lambda: own.record_result(me, "auditc", 3, " ")),
                           ("instrument_id", lambda: own.record_result(me, "AUDIT C", 3, "x")),
                           ("taken_at", lambda: own.record_result(me, "auditc", 3, "x", dt.datetime(2026, 1, 1)))):
        with pytest.raises(InputRefused) as refused:
            attempt()
        assert refused.value.field == field

    enrolment, _ = own.enrol(me, "alkoholi", "1", "assessment", goal="reduce")
    own.record_progress(me, enrolment.id, "module_done", "m1", module_id="viikko-1")
    overview = own.overview_for_staff(pro, ticket.id)
    assert [r.score for r in overview.results] == [7, 8, 4]
    assert [e.id for e in overview.enrolments] == [enrolment.id]
    assert [p.module_id for p in overview.progress[enrolment.id]] == ["viikko-1"]
    with space["sessions"]() as session:
        log = session.execute(select(AccessLogEntry).where(AccessLogEntry.action == "own-space-read")).scalar_one()
    assert (log.ticket_id, log.account_id) == (ticket.id, pro.id) and RESIDENT not in log.detail


# -- retention and erasure ------------------------------------------------------------------------------

def test_retention_keeps_the_client_records_and_erasure_removes_the_notification_address(space, tmp_path) -> None:
    own, pro, ticket, me, other = space["own"], space["pro"], space["ticket"], space["me"], space["other"]
    sessions = space["sessions"]
    outbox = OutboxStore(sessions, clock=lambda: space["clock"]["now"])
    messages = MessageStore(sessions, SECRET, clock=lambda: space["clock"]["now"])
    outbox.set_address(me, "email", "maija@example.fi")
    outbox.set_address(other, "email", "ville@example.fi")
    space["tickets"].claim(pro, ticket.id)
    messages.add_staff_message(pro, ticket.id, "Hei, tässä vastaus.", "s1")
    messages.add_resident_message(me, ticket.id, "Kiitos!", "r1")
    own.accept_terms(me, "2026-1")
    enrolment, _ = own.enrol(me, "alkoholi", "1", "assessment", goal="reduce")
    own.record_progress(me, enrolment.id, "diary", "d1", value={"day": "2026-11-25", "amount": 2})
    own.record_result(me, "auditc", 7, "riskijuomisen raja ylittyy")
    own.add_plan_note(pro, ticket.id, "Seurataan.")
    transcripts = TranscriptStore.from_url(f"sqlite:///{tmp_path / 'no-tracker.db'}")

    result = apply_retention(sessions, transcripts, PrivacySettings(), NOW + dt.timedelta(days=3000))

    assert result.notifications == 0  # the queued notification was never sent nor given up
    with sessions() as session:
        for model in (SecureMessage, TermsAcceptance, ProgrammeEnrolment, AssessmentResult, NotificationAddress):
            assert session.execute(select(model)).first() is not None, model

    erased = erase_conversation(sessions, transcripts, "conv-1", now=NOW, person_key=me)

    assert (erased.notifications_removed, erased.messages_kept, erased.results_kept, erased.programmes_kept,
            erased.tickets_kept) == (2, 2, 1, 1, 1)  # the address and the queued notification went
    with sessions() as session:
        assert session.execute(select(NotificationAddress.person_key)).scalars().all() == [other]
        assert session.execute(select(OutboxNotification)).first() is None
        assert len(session.execute(select(SecureMessage)).all()) == 2
    again = erase_conversation(sessions, transcripts, "conv-1", now=NOW, person_key=me)
    assert again.notifications_removed == 0
    without_key = erase_conversation(sessions, transcripts, "conv-1", now=NOW)
    assert (without_key.messages_kept, without_key.notifications_removed) == (2, 0)
    transcripts.dispose()


def test_an_operators_erasure_finds_the_person_by_the_conversations_session_and_retention_unlinks_it(
        space, tmp_path) -> None:
    """`python -m actions.store.erasure <conversation>` names no person: the conversation's identified
    session does. Retention forgets a long-over session's link to the person (logged out or expired)."""
    sessions, me, other = space["sessions"], space["me"], space["other"]
    identification = IdentificationStore(sessions, clock=lambda: space["clock"]["now"])
    identification.open_session("conv-1", dt.timedelta(hours=1), person_key=me)
    outbox = OutboxStore(sessions, clock=lambda: space["clock"]["now"])
    outbox.set_address(me, "email", "maija@example.fi")
    outbox.set_address(other, "email", "ville@example.fi")
    transcripts = TranscriptStore.from_url(f"sqlite:///{tmp_path / 'no-tracker.db'}")

    erased = erase_conversation(sessions, transcripts, "conv-1", actor="operator:kirjaamo", now=NOW)

    assert erased.notifications_removed == 1 and outbox.address_of(me) is None and outbox.address_of(other)
    with sessions() as session:
        assert session.execute(select(IdentifiedSession.person_key)).scalars().all() == [None]
    identification.open_session("conv-2", dt.timedelta(hours=1), person_key=other)  # expires without a logout
    apply_retention(sessions, transcripts, PrivacySettings(), NOW + dt.timedelta(hours=2))
    with sessions() as session:
        assert session.execute(select(IdentifiedSession.person_key).where(
            IdentifiedSession.conversation_id == "conv-2")).scalar_one() == other  # not yet past the period
    apply_retention(sessions, transcripts, PrivacySettings(), NOW + dt.timedelta(days=3000))
    with sessions() as session:
        assert session.execute(select(IdentifiedSession.person_key)).scalars().all() == [None, None]
    transcripts.dispose()


# -- migration 0010: one active enrolment, one diary entry a day, plan notes' keys ---------------------

def test_migration_0010_ends_duplicate_enrolments_merges_diary_days_and_goes_back(database_url) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect, text

    from actions.store.database import alembic_config

    engine = create_engine(database_url, future=True)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0009")
        key = person_key(RESIDENT, SECRET)
        for _ in range(2):  # a double submit before the unique index
            connection.execute(text(
                "INSERT INTO programme_enrolment (person_key, programme_id, programme_version, started_at, "
                "started_by, status) VALUES (:k, 'alkoholi', '1', :t, 'assessment', 'active')"), {"k": key, "t": NOW})
        first = connection.execute(text("SELECT min(id) FROM programme_enrolment")).scalar_one()
        for number, (day, amount) in enumerate([("2026-11-25", 3), ("2026-11-25", 1), ("2026-11-26", 0)]):
            connection.execute(text(
                "INSERT INTO programme_progress (enrolment_id, kind, value, recorded_at, idempotency_key) "
                "VALUES (:e, 'diary', :v, :t, :k)"),
                {"e": first, "v": f'{{"day": "{day}", "amount": {amount}}}', "t": NOW, "k": f"d{number}"})
    engine.dispose()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        statuses = connection.execute(text("SELECT status FROM programme_enrolment ORDER BY id")).scalars().all()
        assert statuses == ["active", "stopped"]
        diary = connection.execute(text("SELECT idempotency_key, day FROM programme_progress ORDER BY id")).all()
        assert [(k, str(d)[:10]) for k, d in diary] == [("d1", "2026-11-25"), ("d2", "2026-11-26")]
    own = OwnSpaceStore(make_session_factory(engine), SECRET)
    assert own.enrol(person_key(RESIDENT, SECRET), "mieliala", "1", "resident")[0].started_by == "resident"
    engine.dispose()
    engine = create_engine(database_url, future=True)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0009")
    with engine.connect() as connection:
        assert "idempotency_key" not in {c["name"] for c in inspect(connection).get_columns("plan_note")}
        assert connection.execute(text("SELECT started_by FROM programme_enrolment WHERE programme_id = 'mieliala'")
                                  ).scalar_one() == "path"
    engine.dispose()
    engine = make_engine(database_url)  # and up again
    engine.dispose()
