"""Contact records (issue 20) on SQLite and PostgreSQL: one record per form, a follow-up as one ticket, a
closed ticket's record, nothing half-stored, redaction, the analytics events and the contact report."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from actions.store import contacts as contacts_module
from actions.store.accounts import AccountStore
from actions.store.analytics_report import Period
from actions.store.contact_report import build_contact_report, contact_report_csv_rows
from actions.store.contacts import (FOLLOW_UP_CONSENT_TEXT, ContactConflict, ContactDraft, ContactError, ContactStore,
                                    contact_labels)
from actions.store.database import alembic_config, make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.models import (CONTACT_CHANNELS, CONTACTORS, OUTCOMES, REASONS, AccessLogEntry, AnalyticsEvent,
                                  ContactRecord, Ticket)
from actions.store.office_hours import OfficeHours
from actions.store.tickets import ClaimConflict, TicketDraft, TicketStore
from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, LibraryInvalid, load_profile
from guidance_library.validation import check_service_areas
from tests.helpers import all_at_once, cheap_hashes  # noqa: F401 - cheap_hashes: a fixture

HELSINKI = ZoneInfo("Europe/Helsinki")
WEDNESDAY_10 = dt.datetime(2026, 11, 25, 10, 0, tzinfo=HELSINKI)
AREAS = ("primary_health_care", "older_people", "family_services")
NAMES = (("primary_health_care", "Perusterveydenhuollon vastaanotto"), ("older_people", "Ikääntyneiden palvelut"),
         ("family_services", "Perheiden palvelut"))


def contact(**changes) -> ContactDraft:
    values = dict(channel="phone", contactor="resident", reasons=("health",), onward="no_further_need",
                  note="Kysyi flunssan hoidosta.")
    values.update(changes)
    return ContactDraft(**values)


def follow_up(**changes) -> ContactDraft:
    values = dict(follow_up=True, callback_phone="040 123 4567", follow_up_consent=True, urgency="urgent",
                  contactor="unknown", reasons=("social", "booking"), note="Toivoo soittoa sosiaalityöntekijältä.")
    values.update(changes)
    return contact(**values)


class Stores:
    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = make_session_factory(self.engine)
        self.clock = {"now": WEDNESDAY_10}
        self.tickets = TicketStore(self.sessions, OfficeHours(), clock=lambda: self.clock["now"])
        self.contacts = ContactStore.beside(self.tickets)
        self.accounts = AccountStore(self.sessions)
        self.pro = self.accounts.create("pro", "Pro", "professional", "salasana-joka-on-pitka")

    def count(self, model) -> int:
        with self.sessions() as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def events(self, kind: str | None = None) -> list[AnalyticsEvent]:
        with self.sessions() as session:
            query = select(AnalyticsEvent).order_by(AnalyticsEvent.id)
            return list(session.execute(query.where(AnalyticsEvent.kind == kind) if kind else query).scalars())

    def record(self, draft: ContactDraft, key: str):
        return self.contacts.record(self.pro, draft, key, AREAS)


@pytest.fixture
def stores(database_url):
    made = Stores(database_url)
    yield made
    made.engine.dispose()


def test_a_contact_is_recorded_once_per_form_with_its_events_and_log(stores) -> None:
    draft = contact(channel="walk_in", contactor="relative", reasons=("health", "documents", "health"),
                    onward="referred_within_region", service_area="older_people", path_id="flunssa",
                    path_sent_via="email", contact_at=WEDNESDAY_10 - dt.timedelta(hours=2))
    record, created = stores.record(draft, "form-1")
    assert created and record.reasons == ["health", "documents"] and record.recorded_by == stores.pro.id
    assert (record.channel, record.contactor, record.onward, record.service_area) == (
        "walk_in", "relative", "referred_within_region", "older_people")
    again, created_again = stores.record(contact(note="toinen klikkaus"), "form-1")
    assert (again.id, created_again, again.note) == (record.id, False, "Kysyi flunssan hoidosta.")
    assert stores.count(ContactRecord) == 1 and stores.count(Ticket) == 0
    recorded = stores.events("contact_recorded")
    assert [(e.channel, e.contact_role, e.outcome, e.service_area, e.path_id, e.hour) for e in recorded] == [
        ("walk_in", "relative", "referred_within_region", "older_people", "flunssa", 8)]
    assert sorted((e.reason, e.channel) for e in stores.events("contact_reason")) == [
        ("documents", "walk_in"), ("health", "walk_in")]
    assert len({e.conversation for e in stores.events()}) == 1  # one record's events group together
    texts = [str(getattr(e, c.key)) for e in stores.events() for c in AnalyticsEvent.__table__.columns]
    assert not any("flunssan" in t for t in texts)
    assert [(e.action, e.detail) for e in stores.tickets.access_log()] == [  # (the repeat answered with it: a read)
        ("contact_read", f"contact_record {record.id}"), ("contact_create", f"contact_record {record.id}")]
    assert stores.contacts.get(stores.pro, record.id).id == record.id
    assert stores.tickets.access_log()[0].action == "contact_read"


def test_concurrent_submits_of_one_form_make_one_record_and_one_ticket(stores) -> None:
    results = all_at_once(lambda _: stores.record(follow_up(), "form-race"), range(6))
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({record.id for record, _ in results}) == 1 and sum(c for _, c in results) == 1
    assert stores.count(ContactRecord) == 1 and stores.count(Ticket) == 1
    assert len(stores.events("contact_recorded")) == 1 and len(stores.events("ticket_created")) == 1


def test_a_follow_up_becomes_one_ticket_in_the_queue_with_an_answer_by_time(stores) -> None:
    record, _ = stores.record(follow_up(note="Hetu 131052-308T, soittakaa."), "form-2")
    queue = stores.tickets.queue(stores.pro)
    assert [t.id for t in queue] == [record.follow_up_ticket_id]
    ticket = queue[0]
    assert ticket.channel == "recorded_contact" and ticket.contact_method == "phone" and ticket.phone == "+358401234567"
    assert ticket.answer_by == dt.datetime(2026, 11, 25, 15, 0, tzinfo=HELSINKI)  # urgent, filed in office hours
    assert (ticket.contact_role, ticket.reason, ticket.urgency) == ("other", "social", "urgent")
    assert ticket.consent_text == FOLLOW_UP_CONSENT_TEXT and ticket.consent_at == WEDNESDAY_10
    assert "131052-308T" not in ticket.resident_words and "131052-308T" not in record.note
    assert ticket.resident_words == record.note
    # closing the follow-up with the contact fields records it once more only as its own ticket's record
    stores.tickets.claim(stores.pro, ticket.id)
    stores.tickets.close(stores.pro, ticket.id, "referred_elsewhere", contact(reasons=("social",)), AREAS)
    closed = stores.contacts.of_ticket(ticket.id)
    assert closed.channel == "phone" and closed.onward == "referred_elsewhere"  # the original contact's channel


def test_a_follow_up_recorded_later_counts_its_answer_by_and_consent_from_the_contact(stores) -> None:
    called = WEDNESDAY_10 - dt.timedelta(days=1)  # a Tuesday 10:00 call, recorded on Wednesday at 10:00
    record, _ = stores.record(follow_up(contact_at=called), "form-late")
    ticket = stores.tickets.queue(stores.pro)[0]
    assert ticket.id == record.follow_up_ticket_id
    assert ticket.answer_by == dt.datetime(2026, 11, 24, 15, 0, tzinfo=HELSINKI)  # urgent, from the call
    assert ticket.consent_at == called and ticket.created_at == WEDNESDAY_10  # saved now, consented then


def test_a_follow_ups_reach_time_is_redacted_like_the_note(stores) -> None:
    record, _ = stores.record(follow_up(reach_time="Iltaisin, hetu 131052-308T, maija@esimerkki.fi"), "form-reach")
    ticket = stores.tickets.queue(stores.pro)[0]
    assert ticket.id == record.follow_up_ticket_id and ticket.reach_time.startswith("Iltaisin")
    assert "131052-308T" not in ticket.reach_time and "maija@esimerkki.fi" not in ticket.reach_time


@pytest.mark.parametrize("changes, field", [
    ({"channel": "fax"}, "channel"), ({"contactor": "neighbour"}, "contactor"), ({"reasons": ()}, "reasons"),
    ({"reasons": ("health", "weather")}, "reasons"), ({"reasons": "health"}, "reasons"),
    ({"onward": "somewhere"}, "onward"),
    ({"contact_at": WEDNESDAY_10 + dt.timedelta(minutes=10)}, "contact_at"),
    ({"contact_at": WEDNESDAY_10 - dt.timedelta(days=32)}, "contact_at"),
    ({"onward": "referred_within_region"}, "service_area"),
    ({"onward": "referred_within_region", "service_area": "dentistry"}, "service_area"),
    ({"onward": "referred_elsewhere", "service_area": "older_people"}, "service_area"),
    ({"note": "x" * 1001}, "note"), ({"path_id": "Ei Kelpaa"}, "path_id"),
    ({"path_sent_via": "fax", "path_id": "flunssa"}, "path_sent_via"), ({"path_sent_via": "sms"}, "path_sent_via"),
    ({"follow_up": True, "follow_up_consent": True}, "callback_phone"),
    ({"follow_up": True, "callback_phone": "112", "follow_up_consent": True}, "callback_phone"),
    ({"follow_up": True, "callback_phone": "040 123 4567"}, "follow_up_consent"),
    ({"follow_up": True, "callback_phone": "040 123 4567", "follow_up_consent": True, "note": ""}, "note"),
    ({"follow_up": True, "callback_phone": "040 123 4567", "follow_up_consent": True, "urgency": "asap"}, "urgency"),
])
def test_bad_fields_are_named_in_finnish_and_nothing_is_stored(stores, changes, field) -> None:
    with pytest.raises(ContactError) as caught:
        stores.record(contact(**changes), "form-bad")
    assert caught.value.field == field and caught.value.message.endswith(".")
    assert stores.count(ContactRecord) == stores.count(Ticket) == stores.count(AnalyticsEvent) == 0
    assert stores.count(AccessLogEntry) == 0


def test_a_late_failure_leaves_nothing_half_stored(stores, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the analytics write failed")

    monkeypatch.setattr(contacts_module, "record_event", broken)
    with pytest.raises(RuntimeError):
        stores.record(follow_up(), "form-3")
    assert stores.count(ContactRecord) == stores.count(Ticket) == stores.count(AnalyticsEvent) == 0
    assert stores.count(AccessLogEntry) == 0


def chat_ticket(stores, key: str, **changes) -> Ticket:
    values = dict(conversation_id="conv-1", channel="anonymous_chat", contact_role="relative", reason="booking",
                  urgency="normal", resident_words="Äidin ajanvaraus.", contact_method="phone", phone="040 123 4567",
                  consent_text="Saa välittää.", consent_at=WEDNESDAY_10)
    values.update(changes)
    ticket = stores.tickets.create(TicketDraft(**values), key)[0]
    stores.tickets.claim(stores.pro, ticket.id)
    return ticket


def test_closing_a_ticket_with_the_contact_fields_records_it_once(stores) -> None:
    ticket = chat_ticket(stores, "t1")
    stores.tickets.close(stores.pro, ticket.id, "referred_within_region",
                         contact(contactor="relative", reasons=("booking", "on_behalf"),
                                 service_area="family_services", note=""), AREAS)
    record = stores.contacts.of_ticket(ticket.id)
    assert (record.channel, record.onward, record.service_area, record.source_ticket_id) == (
        "chat", "referred_within_region", "family_services", ticket.id)
    with pytest.raises(ClaimConflict):
        stores.tickets.close(stores.pro, ticket.id, "no_further_need", contact(), AREAS)
    with pytest.raises(IntegrityError), stores.sessions() as session, session.begin():  # the database refuses too
        contacts_module.write_record(session, stores.pro, contact().validated(WEDNESDAY_10, AREAS), "other",
                                     WEDNESDAY_10, source_ticket_id=ticket.id)
    assert stores.count(ContactRecord) == 1
    plain = chat_ticket(stores, "t2")
    stores.tickets.close(stores.pro, plain.id, "no_further_need")  # without the fields: as before
    assert stores.contacts.of_ticket(plain.id) is None and stores.count(ContactRecord) == 1


def test_a_bad_contact_field_on_close_leaves_the_ticket_open(stores) -> None:
    ticket = chat_ticket(stores, "t3")
    with pytest.raises(ContactError) as caught:
        stores.tickets.close(stores.pro, ticket.id, "referred_within_region", contact(), AREAS)
    assert caught.value.field == "service_area"
    assert stores.tickets.get(stores.pro, ticket.id)[0].status == "claimed" and stores.count(ContactRecord) == 0


def test_a_live_chat_gets_one_record_by_its_holder(stores) -> None:
    handoffs = HandoffStore(stores.sessions, clock=lambda: stores.clock["now"])
    handoff, _ = handoffs.enqueue("conv-live", {})
    handoffs.take(stores.pro, handoff.id)
    record, _ = stores.record(contact(channel="chat", source_handoff_id=handoff.id), "chat-1")
    assert record.source_handoff_id == handoff.id
    with pytest.raises(ContactConflict):
        stores.record(contact(channel="chat", source_handoff_id=handoff.id), "chat-2")
    other = stores.accounts.create("pro2", "Pro 2", "professional", "salasana-joka-on-pitka")
    second, _ = handoffs.enqueue("conv-live-2", {})
    handoffs.take(stores.pro, second.id)
    with pytest.raises(ContactConflict):
        stores.contacts.record(other, contact(channel="chat", source_handoff_id=second.id), "chat-3", AREAS)
    assert stores.count(ContactRecord) == 1


def pilot_contacts(stores) -> None:
    """100 contacts to the pilot's published shares (channels 54/42/4, contactors 66/19/5/10, reasons
    health 65 social 14 practical 36, onward 73/25/2), over five days and office hours."""
    for i in range(100):
        channel = "phone" if i < 54 else "chat" if i < 96 else "secure_message"
        j, k, m = (i * 37) % 100, (i * 53) % 100, (i * 71) % 100
        contactor = "resident" if j < 66 else "relative" if j < 85 else "professional" if j < 90 else "unknown"
        reasons = [r for r, on in (("health", k < 65), ("social", 65 <= k < 79), ("booking", k >= 64)) if on]
        onward = "no_further_need" if m < 73 else "referred_within_region" if m < 98 else "referred_elsewhere"
        area = None if onward != "referred_within_region" else AREAS[0] if m < 85 else AREAS[1] if m < 93 else AREAS[2]
        at = WEDNESDAY_10.replace(hour=9 + i % 6) - dt.timedelta(days=i % 5)
        stores.clock["now"] = at
        stores.record(contact(channel=channel, contactor=contactor, reasons=reasons, onward=onward,
                              service_area=area, contact_at=at), f"pilot-{i}")


def test_the_report_gives_back_the_pilots_shares(stores) -> None:
    pilot_contacts(stores)
    with stores.sessions() as session:
        report = build_contact_report(session, Period(dt.date(2026, 11, 21), dt.date(2026, 11, 25)),
                                      service_areas=NAMES, office_hours=OfficeHours())
    shares = lambda rows: {r["code"]: r["share"] for r in rows if r["count"]}  # noqa: E731
    assert report["contacts"] == 100
    assert shares(report["by_channel"]) == {"phone": 0.54, "chat": 0.42, "secure_message": 0.04}
    assert shares(report["by_contactor"]) == {"resident": 0.66, "relative": 0.19, "professional": 0.05, "unknown": 0.10}
    assert shares(report["by_reason"]) == {"health": 0.65, "social": 0.14, "booking": 0.36}
    assert report["practical_reasons"]["share"] == 0.36  # the shares add up to 115 %: more than one reason each
    assert shares(report["by_onward"]) == {"no_further_need": 0.73, "referred_within_region": 0.25,
                                           "referred_elsewhere": 0.02}
    assert [(r["code"], r["name"], r["count"]) for r in report["by_service_area"]] == [
        ("primary_health_care", "Perusterveydenhuollon vastaanotto", 12), ("older_people", "Ikääntyneiden palvelut", 8),
        ("family_services", "Perheiden palvelut", 5)]
    assert [r["count"] for r in report["per_day"]] == [20] * 5
    assert report["per_hour"][9:15] == [17, 17, 17, 17, 16, 16] and sum(report["per_hour"]) == 100
    assert sum(report["per_hour_by_channel"]["secure_message"]) == 4
    assert report["open_hours"][8:16] == [False, True, True, True, True, True, True, False]
    rows = contact_report_csv_rows(report)
    assert ["contacts_by_channel", "phone", "54", "0.540"] in rows
    assert ["contacts_by_reason", "practical", "36", "0.360"] in rows
    with stores.sessions() as session:
        empty = build_contact_report(session, Period(dt.date(2025, 1, 1), dt.date(2025, 1, 1)))
    assert empty["contacts"] == 0 and empty["by_channel"][0]["share"] is None and empty["open_hours"] is None


def test_every_code_has_a_finnish_label() -> None:
    labels = contact_labels()
    for category, codes in (("channel", CONTACT_CHANNELS), ("contactor", CONTACTORS), ("reason", REASONS),
                            ("onward", OUTCOMES)):
        assert set(labels[category]) == set(codes)


def test_the_profile_refuses_a_malformed_service_area_list(tmp_path: Path) -> None:
    assert check_service_areas(None, "p.yml") == ([], [])
    _, problems = check_service_areas({"service_areas": [{"id": "older_people", "name": "A"},
                                                          {"id": "older_people", "name": "B"},
                                                          {"id": "Bad-Id", "name": "C"}, {"id": "x"}]}, "p.yml")
    assert [p.message.split(":")[0] for p in problems] == [
        "contact_record.service_areas[1].id", "contact_record.service_areas[2].id", "contact_record.service_areas[3].name"]
    broken = tmp_path / "profile.yml"
    broken.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8").replace("id: older_people", "id: oral_health_care"),
                      encoding="utf-8")
    with pytest.raises(LibraryInvalid) as caught:
        load_profile(broken, DEFAULT_NATIONAL)
    assert str(broken) in caught.value.report() and "service_areas[" in caught.value.report()
    profile, _ = load_profile(DEFAULT_PROFILE, DEFAULT_NATIONAL)
    assert profile.service_areas[0].id == "primary_health_care" and len(profile.service_areas) == 8


def test_the_migration_goes_down_and_up_again(database_url) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0010")
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        stores = Stores.__new__(Stores)
        stores.engine, stores.sessions = engine, make_session_factory(engine)
        stores.clock = {"now": WEDNESDAY_10}
        stores.tickets = TicketStore(stores.sessions, OfficeHours(), clock=lambda: WEDNESDAY_10)
        stores.contacts = ContactStore.beside(stores.tickets)
        stores.pro = AccountStore(stores.sessions).create("pro", "Pro", "professional", "salasana-joka-on-pitka")
        record, _ = stores.record(follow_up(), "after-migration")
        assert record.follow_up_ticket_id is not None
    finally:
        engine.dispose()
