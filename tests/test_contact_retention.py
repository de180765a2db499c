"""The retention and contact records (issue 20), on SQLite and PostgreSQL: a contact record (with its redacted
note) is a client record kept like a ticket, under the region's records rules; its analytics events go after
the analytics period like every event; the address a guidance path was sent to goes with its outbox row a
week after sending."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from actions.store.accounts import AccountStore
from actions.store.contacts import ContactDraft, ContactStore
from actions.store.database import make_engine, make_session_factory
from actions.store.models import AnalyticsEvent, ContactRecord, OutboxNotification
from actions.store.office_hours import OfficeHours
from actions.store.outbox import OutboxStore
from actions.store.retention import apply_retention
from actions.store.transcripts import TranscriptStore
from bot.settings import PrivacySettings
from tests.helpers import cheap_hashes  # noqa: F401 - a fixture

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone.utc)


def test_contact_records_are_kept_their_events_and_the_sent_address_are_not(database_url, tmp_path) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        pro = AccountStore(sessions).create("pro", "Pro", "professional", "salasana-joka-on-pitka")
        contacts = ContactStore(sessions, OfficeHours(), clock=lambda: NOW)
        draft = ContactDraft(channel="phone", contactor="resident", reasons=("health",), onward="no_further_need",
                             note="Kysyi kuumeesta.", path_id="flunssa", path_sent_via="email")
        record, _ = contacts.record(pro, draft, "form-1", (), send_to="maija@esimerkki.fi")
        outbox = OutboxStore(sessions, clock=lambda: NOW)
        [row] = outbox.claim_due()
        assert outbox.mark_sent(row.id, attempt=row.attempts)
        privacy = PrivacySettings()
        transcripts = TranscriptStore.from_url(f"sqlite:///{tmp_path / 'no-tracker.db'}")

        apply_retention(sessions, transcripts, privacy, NOW + dt.timedelta(days=8))
        with sessions() as session:
            assert session.execute(select(OutboxNotification)).first() is None  # the address went with its row
            assert session.get(ContactRecord, record.id).note == "Kysyi kuumeesta."
            assert session.execute(select(AnalyticsEvent).where(AnalyticsEvent.kind == "contact_recorded")).first()

        apply_retention(sessions, transcripts, privacy, NOW + dt.timedelta(days=privacy.analytics_days + 1))
        with sessions() as session:
            assert session.get(ContactRecord, record.id).note == "Kysyi kuumeesta."  # a client record: kept
            assert session.execute(select(AnalyticsEvent).where(AnalyticsEvent.kind.like("contact_%"))).first() is None
        transcripts.dispose()
    finally:
        engine.dispose()
