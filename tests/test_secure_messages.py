"""Secure messages on SQLite and PostgreSQL: the migration, a thread between a resident and a
professional, one message per submit, the notification queued with the message, and every refusal
(another person, an anonymous ticket, a phone ticket, the wrong role, a ticket not held)."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from actions.store.access import InputRefused, NotIdentified, StaffOnly
from actions.store.accounts import AccountStore
from actions.store.identification import IdentificationStore
from actions.store.database import alembic_config, make_engine, make_session_factory
from actions.store.messages import MAX_BODY, MessageStore, ThreadClosed, ThreadNotFound
from actions.store.models import (AccessLogEntry, AssessmentResult, Base, NotificationAddress, OutboxNotification,
                                  PlanNote, ProgrammeEnrolment, ProgrammeProgress, SecureMessage, TermsAcceptance)
from actions.store.office_hours import OfficeHours
from actions.store.outbox import OutboxStore
from actions.store.own_space import OwnSpaceStore
from actions.store.person_key import NotAPersonKey, person_key, person_key_secret
from actions.store.tickets import ClaimConflict, TicketDraft, TicketStore
from bot.settings import Secret
from tests.helpers import all_at_once

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()  # the newest migration

NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)
SECRET = Secret("test-secret-of-the-person-keys-0123456789")
RESIDENT = "131052-308T"
OTHER_RESIDENT = "010190-901R"
PASSWORD = "salasana-joka-on-pitka"
MESSAGE = "Hei! Soitin terveysasemalle, ja sain ajan ensi viikolle. Tarvitseeko minun tuoda jotain mukanani?"


def draft(identity_code: str | None = RESIDENT, conversation: str = "conv-1", method: str = "secure_message",
          **changes) -> TicketDraft:
    values = dict(conversation_id=conversation, channel="identified_chat" if identity_code else "anonymous_chat",
                  contact_role="resident", reason="health", urgency="normal",
                  resident_words="Haluaisin kysyä hoitoon hakeutumisesta.", contact_method=method,
                  phone="040 123 4567" if method == "phone" else None, consent_text="Saa välittää.",
                  consent_at=NOW, identity_code=identity_code, identity_name="Maija" if identity_code else None)
    values.update(changes)
    return TicketDraft(**values)


@pytest.fixture
def world(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    clock = {"now": NOW}
    moved = lambda: clock["now"]  # noqa: E731 - one clock for every store
    tickets = TicketStore(sessions, OfficeHours(), clock=moved)
    accounts = AccountStore(sessions, clock=moved)
    messages = MessageStore(sessions, SECRET, clock=moved)
    outbox = OutboxStore(sessions, clock=moved)
    pro = accounts.create("maija.m", "Maija", "professional", PASSWORD)
    ticket, _ = tickets.create(draft(), "conv-1:form-1")
    tickets.claim(pro, ticket.id)
    yield dict(engine=engine, sessions=sessions, clock=clock, tickets=tickets, accounts=accounts,
               messages=messages, outbox=outbox, pro=pro, ticket=ticket, me=person_key(RESIDENT, SECRET),
               other=person_key(OTHER_RESIDENT, SECRET))
    engine.dispose()


# -- the migration ------------------------------------------------------------------------------------

def test_the_migrations_upgrade_a_database_of_the_previous_release_and_keep_its_tickets(database_url) -> None:
    engine = create_engine(database_url, future=True)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
    with engine.begin() as connection:
        assert not inspect(connection).has_table("secure_message")

    engine = make_engine(database_url)  # as a start-up does: brings it to the head
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert {"secure_message", "notification_outbox", "notification_address", "terms_acceptance",
                "programme_enrolment", "programme_progress", "plan_note", "assessment_result"} <= tables
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    TicketStore(make_session_factory(engine), OfficeHours()).create(draft(), "before:form")
    with engine.begin() as connection:  # back down: the previous release's schema again, the ticket kept
        command.downgrade(alembic_config(connection), "0006")
    with engine.connect() as connection:
        assert not inspect(connection).has_table("secure_message")
        assert "person_key" not in {c["name"] for c in inspect(connection).get_columns("ticket")}
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 1
    engine.dispose()
    engine = make_engine(database_url)  # and up again
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 1
    engine.dispose()


def test_the_single_module_migration_adds_its_column_and_takes_it_away_keeping_the_enrolments(database_url) -> None:
    engine = make_engine(database_url)  # at the head: an enrolment may name one module
    with engine.connect() as connection:
        assert "module_id" in {c["name"] for c in inspect(connection).get_columns("programme_enrolment")}
    own = OwnSpaceStore(make_session_factory(engine), SECRET)
    own.enrol(person_key(RESIDENT, SECRET), "mieliala", "1", "assessment")
    engine.dispose()
    engine = create_engine(database_url, future=True)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0008")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0008"
        assert "module_id" not in {c["name"] for c in inspect(connection).get_columns("programme_enrolment")}
        assert connection.execute(text("SELECT programme_id FROM programme_enrolment")).scalars().all() == ["mieliala"]
        checks = {c["name"] for c in inspect(connection).get_check_constraints("programme_enrolment")}
        assert {"ck_programme_enrolment_staff", "ck_status_allowed", "ck_started_by_allowed"} <= checks
    engine.dispose()
    engine = make_engine(database_url)  # and up again
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


# -- the person key -----------------------------------------------------------------------------------

def test_the_person_key_is_a_keyed_hash_of_the_identity_code(tmp_path) -> None:
    key = person_key(RESIDENT, SECRET)
    assert len(key) == 64 and RESIDENT not in key
    assert person_key(RESIDENT.lower(), SECRET) == key  # the same person however the code is written
    assert person_key(RESIDENT, Secret("another-secret-of-the-person-keys-0123")) != key
    assert person_key(OTHER_RESIDENT, SECRET) != key
    for wrong in ("131052-308U", "", "kissa"):
        with pytest.raises(NotAPersonKey):
            person_key(wrong, SECRET)


def test_the_secret_comes_from_the_environment_or_is_made_once_into_var(tmp_path) -> None:
    assert person_key_secret({"ASSISTANT_PERSON_KEY_SECRET": "x" * 40}, tmp_path).reveal() == "x" * 40
    with pytest.raises(ValueError, match="ASSISTANT_PERSON_KEY_SECRET"):
        person_key_secret({"ASSISTANT_PERSON_KEY_SECRET": "short"}, tmp_path)
    made = person_key_secret({}, tmp_path / "var")
    assert person_key_secret({}, tmp_path / "var") == made  # the other processes read the same one
    assert (os.stat(tmp_path / "var" / "person_key_secret").st_mode & 0o777) == 0o600
    assert "x" * 40 not in repr(person_key_secret({"ASSISTANT_PERSON_KEY_SECRET": "x" * 40}, tmp_path))


# -- a thread -------------------------------------------------------------------------------------------

def test_a_professional_writes_the_resident_reads_and_answers(world) -> None:
    messages, pro, ticket, me = world["messages"], world["pro"], world["ticket"], world["me"]
    world["outbox"].set_address(me, "email", "maija@example.fi")

    sent, created = messages.add_staff_message(pro, ticket.id, MESSAGE, "staff-submit-1")

    assert created and sent.sender == "staff" and sent.staff_account_id == pro.id and sent.read_at is None
    assert [m.body for m in messages.thread(me, ticket.id)] == [MESSAGE]
    assert messages.unread_for_resident(me) == 1
    [summary] = messages.threads(me)
    assert (summary.ticket_id, summary.messages, summary.unread) == (ticket.id, 1, 1)
    assert messages.mark_read(me, ticket.id) == 1
    assert messages.unread_for_resident(me) == 0 and messages.thread(me, ticket.id)[0].read_at == NOW

    world["clock"]["now"] = NOW + dt.timedelta(hours=1)
    reply, created = messages.add_resident_message(me, ticket.id, "Kiitos, tuon kelakortin.", "resident-submit-1")
    assert created and reply.sender == "resident" and reply.staff_account_id is None
    assert messages.unread_replies() == {ticket.id: 1}  # the queue shows the ticket
    assert messages.unread_replies([ticket.id + 1000]) == {}
    assert [m.sender for m in messages.thread_for_staff(pro, ticket.id)] == ["staff", "resident"]
    assert messages.mark_answered(pro, ticket.id) == 1
    assert messages.unread_replies() == {}


def test_the_notification_is_queued_with_the_message_and_holds_no_content(world) -> None:
    messages, pro, ticket, me = world["messages"], world["pro"], world["ticket"], world["me"]
    messages.add_staff_message(pro, ticket.id, "Ei osoitetta vielä: ei ilmoitusta.", "no-address")
    world["outbox"].set_address(me, "sms", "040 765 4321")

    messages.add_staff_message(pro, ticket.id, MESSAGE, "with-address")

    with world["sessions"]() as session:
        [row] = session.execute(select(OutboxNotification)).scalars()
        values = [str(getattr(row, column.name)) for column in OutboxNotification.__table__.columns]
    assert (row.channel, row.address, row.template, row.person_key) == ("sms", "+358407654321", "new_message", me)
    assert row.next_attempt_at == NOW and row.attempts == 0 and row.sent_at is None
    assert not any("terveysasemalle" in value or RESIDENT in value for value in values)


def test_a_failed_message_leaves_no_notification_behind(world) -> None:
    messages, pro, ticket, me = world["messages"], world["pro"], world["ticket"], world["me"]
    world["outbox"].set_address(me, "email", "maija@example.fi")
    with pytest.raises(InputRefused):
        messages.add_staff_message(pro, ticket.id, "x" * (MAX_BODY + 1), "too-long")
    with world["sessions"]() as session:
        assert session.execute(select(SecureMessage)).first() is None
        assert session.execute(select(OutboxNotification)).first() is None


def test_a_double_submit_stores_one_message_and_one_notification(world) -> None:
    messages, pro, ticket, me = world["messages"], world["pro"], world["ticket"], world["me"]
    world["outbox"].set_address(me, "email", "maija@example.fi")

    first, created = messages.add_resident_message(me, ticket.id, MESSAGE, "click-1")
    again, created_again = messages.add_resident_message(me, ticket.id, MESSAGE, "click-1")
    assert created and not created_again and again.id == first.id

    outcomes = all_at_once(lambda _: messages.add_staff_message(pro, ticket.id, "Vastaus.", "click-2"), range(4))
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert len({message.id for message, _ in outcomes}) == 1 and sum(created for _, created in outcomes) == 1
    with world["sessions"]() as session:
        assert len(session.execute(select(SecureMessage)).all()) == 2
        assert len(session.execute(select(OutboxNotification)).all()) == 1


def test_bodies_are_plain_text_within_the_limit(world) -> None:
    messages, ticket, me = world["messages"], world["ticket"], world["me"]
    stored, _ = messages.add_resident_message(me, ticket.id, " <b>Hei</b>\u202e\r\nrivi\x00 ", "plain")
    assert stored.body == "<b>Hei</b>\nrivi"  # kept as text (never HTML), controls gone, nothing else changed
    exactly, _ = messages.add_resident_message(me, ticket.id, "y" * MAX_BODY, "at-limit")
    assert len(exactly.body) == MAX_BODY
    for body, key in (("x" * (MAX_BODY + 1), "over"), ("  \n ", "empty")):
        with pytest.raises(InputRefused) as refused:
            messages.add_resident_message(me, ticket.id, body, key)
        assert refused.value.field == "body"
    with pytest.raises(InputRefused):
        messages.add_resident_message(me, ticket.id, "hei", "")
    assert len(messages.thread(me, ticket.id)) == 2


# -- refusals -------------------------------------------------------------------------------------------

def test_another_person_reaches_nothing_of_the_thread(world) -> None:
    messages, pro, ticket, other = world["messages"], world["pro"], world["ticket"], world["other"]
    messages.add_staff_message(pro, ticket.id, MESSAGE, "s1")
    for attempt in (lambda: messages.thread(other, ticket.id),
                    lambda: messages.add_resident_message(other, ticket.id, "Minäkin!", "x1"),
                    lambda: messages.mark_read(other, ticket.id),
                    lambda: messages.thread(other, ticket.id + 1000)):  # the same answer as for no ticket
        with pytest.raises(ThreadNotFound):
            attempt()
    assert messages.threads(other) == [] and messages.unread_for_resident(other) == 0
    for not_a_key in ("", "0" * 63, RESIDENT, None):
        with pytest.raises(NotAPersonKey):
            messages.thread(not_a_key, ticket.id)
    assert messages.thread(world["me"], ticket.id)[0].read_at is None  # the other's mark_read changed nothing


def test_a_new_message_is_announced_only_in_the_persons_own_live_chats(world) -> None:
    """On a shared device the ticket's conversation may later be carried into another person's
    identification: that chat must not hear that this person has a message."""
    identification = IdentificationStore(world["sessions"], clock=lambda: world["clock"]["now"])
    hour = dt.timedelta(hours=1)
    identification.open_session("conv-1", hour, person_key=world["other"])   # someone else on the ticket's chat
    identification.open_session("conv-2", hour, person_key=world["me"])      # the resident, in a new chat
    identification.open_session("conv-3", -hour, person_key=world["me"])     # expired
    assert world["messages"].live_chats(world["ticket"].id) == ["conv-2"]


def test_an_anonymous_ticket_has_no_thread_for_anyone(world) -> None:
    messages, pro, tickets = world["messages"], world["pro"], world["tickets"]
    anonymous, _ = tickets.create(draft(None, "anon-conv", method="phone"), "anon-conv:form")
    tickets.claim(pro, anonymous.id)
    with pytest.raises(NotIdentified):
        messages.add_staff_message(pro, anonymous.id, "Hei", "a1")
    with pytest.raises(NotIdentified):
        messages.thread_for_staff(pro, anonymous.id)
    for key in (world["me"], world["other"]):
        with pytest.raises(ThreadNotFound):
            messages.thread(key, anonymous.id)


def test_a_ticket_answered_by_phone_has_no_thread(world) -> None:
    messages, pro, tickets, me = world["messages"], world["pro"], world["tickets"], world["me"]
    by_phone, _ = tickets.create(draft(method="phone", conversation="conv-2"), "conv-2:form")
    tickets.claim(pro, by_phone.id)
    with pytest.raises(ThreadNotFound):
        messages.add_staff_message(pro, by_phone.id, "Hei", "p1")
    with pytest.raises(ThreadNotFound):
        messages.thread(me, by_phone.id)


def test_only_the_professional_holding_an_open_ticket_writes(world) -> None:
    messages, accounts, tickets, ticket, pro = (world["messages"], world["accounts"], world["tickets"],
                                                world["ticket"], world["pro"])
    colleague = accounts.create("ville.v", "Ville", "professional", PASSWORD)
    editor = accounts.create("eero.e", "Eero", "editor", PASSWORD)
    with pytest.raises(ClaimConflict):
        messages.add_staff_message(colleague, ticket.id, "Hei", "c1")
    assert messages.thread_for_staff(colleague, ticket.id) == []  # reading is for every professional
    for attempt in (lambda: messages.thread_for_staff(editor, ticket.id),
                    lambda: messages.add_staff_message(editor, ticket.id, "Hei", "e1"),
                    lambda: messages.mark_answered(editor, ticket.id)):
        with pytest.raises(StaffOnly):
            attempt()
    tickets.close(pro, ticket.id, "no_further_need")
    with pytest.raises(ThreadClosed):
        messages.add_staff_message(pro, ticket.id, "Hei", "after-close")
    with pytest.raises(ThreadClosed):
        messages.add_resident_message(world["me"], ticket.id, "Vielä yksi asia", "r-after-close")
    with world["sessions"]() as session:
        assert session.execute(select(SecureMessage)).first() is None


def test_every_staff_read_and_write_is_in_the_access_log(world) -> None:
    messages, pro, ticket = world["messages"], world["pro"], world["ticket"]
    messages.add_staff_message(pro, ticket.id, MESSAGE, "s1")
    messages.thread_for_staff(pro, ticket.id)
    messages.mark_answered(pro, ticket.id)
    with world["sessions"]() as session:
        actions = [e.action for e in session.execute(select(AccessLogEntry).where(
            AccessLogEntry.ticket_id == ticket.id, AccessLogEntry.account_id == pro.id)
            .order_by(AccessLogEntry.id)).scalars()]
    assert actions[-3:] == ["message", "messages-read", "messages-answered"]


def test_no_identity_code_is_stored_in_the_own_space_tables(world) -> None:
    messages, pro, ticket, me = world["messages"], world["pro"], world["ticket"], world["me"]
    world["outbox"].set_address(me, "email", "maija@example.fi")
    messages.add_staff_message(pro, ticket.id, MESSAGE, "s1")
    messages.add_resident_message(me, ticket.id, "Kiitos", "r1")
    own = OwnSpaceStore(world["sessions"], SECRET, clock=lambda: NOW)
    own.accept_terms(me, "2026-1")
    enrolment, _ = own.enrol(me, "alkoholi", "1", "assessment", goal="reduce")
    own.record_progress(me, enrolment.id, "diary", "d1", value={"day": "2026-11-25", "amount": 3})
    own.record_result(me, "auditc", 6, "riskijuomisen raja ylittyy")
    own.add_plan_note(pro, ticket.id, "Jatketaan ohjelmaa.", enrolment.id)
    with world["sessions"]() as session:
        for model in (SecureMessage, NotificationAddress, OutboxNotification, TermsAcceptance, ProgrammeEnrolment,
                      ProgrammeProgress, PlanNote, AssessmentResult):
            rows = session.execute(select(model)).scalars().all()
            assert rows, model
            for row in rows:
                assert all(RESIDENT not in str(getattr(row, c.name)) for c in model.__table__.columns), model
