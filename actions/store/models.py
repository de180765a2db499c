"""Mapped classes: data only."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from guidance_library.models import CONTACT_CHANNELS as CONTACT_CHANNELS  # re-exported: the store's vocabulary

Base = declarative_base()


class UtcDateTime(TypeDecorator):
    """A moment stored in UTC and always read back time-zone aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs an aware datetime")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class PathFeedback(Base):
    """One "Oliko tästä apua?" answer for one guidance path."""

    __tablename__ = "path_feedback"

    id = Column(Integer, primary_key=True)
    path_id = Column(String(120), nullable=False, index=True)
    helpful = Column(Boolean, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))


class UnansweredQuestion(Base):
    """A resident question that got no good answer (personal data removed before storing)."""

    __tablename__ = "unanswered_question"

    id = Column(Integer, primary_key=True)
    text = Column(String(2000), nullable=False)
    outcome = Column(String(40), nullable=False, index=True)  # no_match / clarify / out_of_scope / not_helpful
    best_path_id = Column(String(120), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False,
                        default=lambda: dt.datetime.now(dt.timezone.utc))


# -- Contact-request tickets for the central client-guidance team ---------------------------------

TICKET_STATUSES = ("new", "claimed", "in_progress", "closed")
URGENCIES = ("urgent", "normal")
CHANNELS = ("anonymous_chat", "identified_chat", "recorded_contact")  # recorded_contact: a follow-up of a
#                                                                     contact a professional recorded
CONTACT_ROLES = ("resident", "relative", "professional", "other")
REASONS = ("health", "social", "booking", "contact_details", "digital_help", "documents", "on_behalf")
OUTCOMES = ("no_further_need", "referred_within_region", "referred_elsewhere")
CONTACT_METHODS = ("phone", "secure_message")
ROLES = ("professional", "editor", "admin", "manager")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"ck_{column}_allowed")


class Account(Base):
    """A professional's account: the team API and the console (roles professional, editor, admin)."""

    __tablename__ = "account"
    __table_args__ = (_one_of("role", ROLES),)

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    display_name = Column(String(200), nullable=False)
    role = Column(String(20), nullable=False)
    password_hash = Column(String(300), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UtcDateTime(), nullable=True)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)


class AccountSession(Base):
    """A signed-in session; only the SHA-256 of its bearer token is stored."""

    __tablename__ = "account_session"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    account_id = Column(Integer, ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    last_seen_at = Column(UtcDateTime(), nullable=False, default=_now)
    expires_at = Column(UtcDateTime(), nullable=False)
    ended_at = Column(UtcDateTime(), nullable=True)


class Ticket(Base):
    """One contact request: what the resident told, how to reach them, and the team's handling."""

    __tablename__ = "ticket"
    __table_args__ = (_one_of("status", TICKET_STATUSES), _one_of("urgency", URGENCIES),
                      _one_of("channel", CHANNELS), _one_of("contact_role", CONTACT_ROLES),
                      _one_of("reason", REASONS), _one_of("contact_method", CONTACT_METHODS),
                      CheckConstraint("outcome IS NULL OR outcome IN ('no_further_need', 'referred_within_region', "
                                      "'referred_elsewhere')", name="ck_outcome_allowed"))

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)        # shown to the resident
    idempotency_key = Column(String(120), nullable=False, unique=True)  # one ticket per submitted form
    conversation_id = Column(String(120), nullable=False, index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    updated_at = Column(UtcDateTime(), nullable=False, default=_now)
    channel = Column(String(20), nullable=False)
    contact_role = Column(String(20), nullable=False)
    reason = Column(String(20), nullable=False)
    topic_id = Column(String(120), nullable=True, index=True)
    path_id = Column(String(120), nullable=True)
    urgency = Column(String(10), nullable=False, index=True)
    resident_words = Column(Text, nullable=False)
    prefilled = Column(JSON, nullable=False, default=dict)       # facts and earlier messages (redacted)
    assessment = Column(JSON, nullable=True)                      # instrument, answers, score, band
    contact_method = Column(String(20), nullable=False)
    phone = Column(String(20), nullable=True)                     # +358... when contact_method is phone
    reach_time = Column(String(200), nullable=False, default="")
    consent_text = Column(Text, nullable=False)
    consent_at = Column(UtcDateTime(), nullable=False)
    identity_code = Column(String(11), nullable=True)             # only from a strongly identified session
    identity_name = Column(String(200), nullable=True)
    person_key = Column(String(64), nullable=True, index=True)   # actions.store.person_key of identity_code
    status = Column(String(20), nullable=False, default="new", index=True)
    assignee_id = Column(Integer, ForeignKey("account.id"), nullable=True, index=True)
    outcome = Column(String(30), nullable=True)
    closed_at = Column(UtcDateTime(), nullable=True)
    answer_by = Column(UtcDateTime(), nullable=False, index=True)


class TicketNote(Base):
    """A professional's note on a ticket."""

    __tablename__ = "ticket_note"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = Column(Integer, ForeignKey("account.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)


class AccessLogEntry(Base):
    """Who read or changed which ticket, when, and what (client data access log)."""

    __tablename__ = "access_log"

    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime(), nullable=False, default=_now, index=True)
    actor = Column(String(120), nullable=False)          # "account:<username>", "assistant", "resident-chat"
    account_id = Column(Integer, ForeignKey("account.id"), nullable=True, index=True)
    action = Column(String(30), nullable=False)           # create, list, read, claim, update, note, close, status
    ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True, index=True)
    detail = Column(String(500), nullable=False, default="")


# -- Live handoff: a conversation waiting for, or held by, a professional --------------------------

HANDOFF_STATUSES = ("waiting", "taken", "returned", "expired", "closed")
HANDOFF_ACTIVE = ("waiting", "taken")


class Handoff(Base):
    """One request for a live professional in one conversation, from the queue to its end."""

    __tablename__ = "handoff"
    __table_args__ = (_one_of("status", HANDOFF_STATUSES),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(120), nullable=False, index=True)  # never shown in the console
    summary = Column(JSON, nullable=False, default=dict)       # topic, path, assessment, identity, last messages
    status = Column(String(20), nullable=False, default="waiting", index=True)
    requested_at = Column(UtcDateTime(), nullable=False, default=_now)  # queue order
    queued_at = Column(UtcDateTime(), nullable=False, default=_now)     # (re)entered the queue: waiting time
    taken_by = Column(Integer, ForeignKey("account.id"), nullable=True, index=True)
    taken_at = Column(UtcDateTime(), nullable=True)
    heartbeat_at = Column(UtcDateTime(), nullable=True)
    ended_at = Column(UtcDateTime(), nullable=True)
    ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True)


# -- Strong identification: SAML requests in flight, assertions seen, identified chat sessions ------

class SamlRequest(Base):
    """An AuthnRequest sent to the identity provider and not yet answered (InResponseTo must match one)."""

    __tablename__ = "saml_request"

    id = Column(String(100), primary_key=True)                 # the request's ID attribute
    carry_over_conversation = Column(String(64), nullable=True)  # the anonymous conversation to continue, if agreed
    browser_binding = Column(String(64), nullable=True)        # SHA-256 of the login cookie of the browser that asked
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    expires_at = Column(UtcDateTime(), nullable=False)
    answered_at = Column(UtcDateTime(), nullable=True)


class SamlAssertionSeen(Base):
    """The ID of an assertion already accepted: a second use of it is a replay."""

    __tablename__ = "saml_assertion_seen"

    assertion_id = Column(String(100), primary_key=True)
    seen_at = Column(UtcDateTime(), nullable=False, default=_now)
    keep_until = Column(UtcDateTime(), nullable=False, index=True)  # after the assertion's own expiry


class IdentifiedSession(Base):
    """A strongly identified chat session bound to one conversation (no identity code or name is stored;
    the person key, a keyed hash of the code, names whose own space the session opens)."""

    __tablename__ = "identified_session"

    id = Column(Integer, primary_key=True)
    key_hash = Column(String(64), nullable=False, unique=True)  # SHA-256 of the token's session key
    conversation_id = Column(String(64), nullable=False, index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    expires_at = Column(UtcDateTime(), nullable=False)
    ended_at = Column(UtcDateTime(), nullable=True)
    end_reason = Column(String(20), nullable=True)             # logout, replaced
    name_id = Column(Text, nullable=True)                       # the provider's (transient) NameID, for single logout
    session_index = Column(String(200), nullable=True)
    person_key = Column(String(64), nullable=True, index=True)  # whose own space (actions.store.person_key)


# -- Analytics: what happened, never who or what was written --------------------------------------

ANALYTICS_KINDS = ("conversation_started", "guidance", "feedback", "emergency", "assessment_completed",
                   "handoff_requested", "handoff_taken", "ticket_created", "ticket_closed",
                   "contact_recorded", "contact_reason")  # contact_*: issue 20's contact records


class AnalyticsEvent(Base):
    """One countable event for the management view. Only enumerated values and library ids: no text,
    no identity, no phone; the conversation is a one-way hash (so erasure can still find its rows).
    `day` and `hour` are the region's local calendar (Europe/Helsinki), fixed when written, so the
    figures group the same way on SQLite and PostgreSQL."""

    __tablename__ = "analytics_event"
    __table_args__ = (_one_of("kind", ANALYTICS_KINDS),)

    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime(), nullable=False, default=_now, index=True)
    day = Column(String(10), nullable=False, index=True)      # YYYY-MM-DD, local
    hour = Column(Integer, nullable=False)                     # 0-23, local
    kind = Column(String(30), nullable=False, index=True)
    conversation = Column(String(16), nullable=True, index=True)
    outcome = Column(String(30), nullable=True)                # guidance answer/clarify/no_match/out_of_scope,
    #                                                            feedback helpful/not_helpful, ticket outcome,
    #                                                            assessment route, emergency kind
    path_id = Column(String(120), nullable=True)
    topic_id = Column(String(120), nullable=True)
    channel = Column(String(20), nullable=True)
    urgency = Column(String(10), nullable=True)
    contact_role = Column(String(20), nullable=True)
    reason = Column(String(20), nullable=True)
    answer_by_met = Column(Boolean, nullable=True)             # ticket_closed: closed by its answer-by time
    service_area = Column(String(60), nullable=True)           # contact_recorded: the region's service area


# -- The identified resident's own space (issue 18): secure messages, notifications, terms, self-care --
#
# Residents are strongly identified, but no identity code is stored in these tables: a resident is their
# `person_key`, a keyed hash of the identity code (HMAC-SHA256 with the server's secret:
# actions/store/person_key.py). Nothing here belongs to an anonymous conversation.

MESSAGE_SENDERS = ("resident", "staff")
NOTIFICATION_CHANNELS = ("email", "sms")
ENROLMENT_STATUSES = ("active", "finished", "stopped")
ENROLMENT_STARTERS = ("assessment", "path", "resident", "professional")  # resident: from Omat asiat's list
PROGRESS_KINDS = ("module_done", "exercise", "checkin", "diary")
PERSON_KEY_LENGTH = 64  # hex of HMAC-SHA256
# The same declarative base, typed for mypy (SQLAlchemy 1.4 ships no types; the classes above subclass
# `Base` itself, and their errors are listed in mypy-baseline.txt).
OwnSpaceBase: Any = Base


class SecureMessage(OwnSpaceBase):
    """One message of a contact request's thread, from the resident or from a professional (plain text)."""

    __tablename__ = "secure_message"
    __table_args__ = (_one_of("sender", MESSAGE_SENDERS),
                      CheckConstraint("(sender = 'staff' AND staff_account_id IS NOT NULL) OR "
                                      "(sender = 'resident' AND staff_account_id IS NULL)",
                                      name="ck_secure_message_sender_account"),
                      UniqueConstraint("ticket_id", "sender", "idempotency_key", name="uq_secure_message_submit"))

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=False, index=True)  # the ticket's resident
    sender = Column(String(10), nullable=False)
    staff_account_id = Column(Integer, ForeignKey("account.id"), nullable=True)
    body = Column(Text, nullable=False)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    read_at = Column(UtcDateTime(), nullable=True)              # read by the other side
    idempotency_key = Column(String(120), nullable=False)       # one message per submit


class NotificationAddress(OwnSpaceBase):
    """Where a resident wants to hear that they have a new message: one e-mail address or mobile number."""

    __tablename__ = "notification_address"
    __table_args__ = (_one_of("channel", NOTIFICATION_CHANNELS),)

    person_key = Column(String(PERSON_KEY_LENGTH), primary_key=True)
    channel = Column(String(10), nullable=False)
    address = Column(String(320), nullable=False)
    updated_at = Column(UtcDateTime(), nullable=False, default=_now)


class OutboxNotification(OwnSpaceBase):
    """A content-free notification waiting to be sent ("Sinulle on uusi viesti"), with its retries.

    Only the template's key is kept, never a message's text; `last_error` is a short reason without
    personal data (an exception type, an SMTP or HTTP status)."""

    __tablename__ = "notification_outbox"
    __table_args__ = (_one_of("channel", NOTIFICATION_CHANNELS),)

    id = Column(Integer, primary_key=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=True, index=True)  # whose (erasure finds it)
    channel = Column(String(10), nullable=False)
    address = Column(String(320), nullable=False)
    template = Column(String(40), nullable=False)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UtcDateTime(), nullable=False, index=True)  # also the lease of a send under way
    last_error = Column(String(200), nullable=True)
    sent_at = Column(UtcDateTime(), nullable=True)
    given_up_at = Column(UtcDateTime(), nullable=True)


class TermsAcceptance(OwnSpaceBase):
    """The resident accepted this version of the own space's service terms, at this time."""

    __tablename__ = "terms_acceptance"
    __table_args__ = (UniqueConstraint("person_key", "terms_version", name="uq_terms_acceptance_version"),)

    id = Column(Integer, primary_key=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=False, index=True)
    terms_version = Column(String(40), nullable=False)
    accepted_at = Column(UtcDateTime(), nullable=False, default=_now)


_ACTIVE_WHOLE = "status = 'active' AND module_id IS NULL"
_ACTIVE_MODULE = "status = 'active' AND module_id IS NOT NULL"


class ProgrammeEnrolment(OwnSpaceBase):
    """A resident following one self-care programme (a version of it), from its start to its end; or only
    one module of it (`module_id`, a professional's assignment: that module alone, open from the start)."""

    __tablename__ = "programme_enrolment"
    __table_args__ = (_one_of("status", ENROLMENT_STATUSES), _one_of("started_by", ENROLMENT_STARTERS),
                      CheckConstraint("(started_by = 'professional' AND staff_account_id IS NOT NULL) OR "
                                      "(started_by <> 'professional' AND staff_account_id IS NULL)",
                                      name="ck_programme_enrolment_staff"),
                      # one active enrolment per person and programme, and one per single module beside it
                      # (a double submit makes one: the loser's insert fails and finds the winner)
                      Index("uq_programme_enrolment_active", "person_key", "programme_id", unique=True,
                            sqlite_where=sql_text(_ACTIVE_WHOLE), postgresql_where=sql_text(_ACTIVE_WHOLE)),
                      Index("uq_programme_enrolment_active_module", "person_key", "programme_id", "module_id",
                            unique=True, sqlite_where=sql_text(_ACTIVE_MODULE), postgresql_where=sql_text(_ACTIVE_MODULE)))

    id = Column(Integer, primary_key=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=False, index=True)
    programme_id = Column(String(120), nullable=False)
    programme_version = Column(String(40), nullable=False)
    goal = Column(String(40), nullable=True)                     # the programme's goal value, e.g. "reduce"
    module_id = Column(String(120), nullable=True)  # a single module a professional assigned; NULL: the whole programme
    started_at = Column(UtcDateTime(), nullable=False, default=_now)
    started_by = Column(String(20), nullable=False)
    staff_account_id = Column(Integer, ForeignKey("account.id"), nullable=True)  # who assigned it
    status = Column(String(20), nullable=False, default="active")
    ended_at = Column(UtcDateTime(), nullable=True)


class ProgrammeProgress(OwnSpaceBase):
    """One step of an enrolment: a module done, an exercise, a check-in answer, a diary entry."""

    __tablename__ = "programme_progress"
    __table_args__ = (_one_of("kind", PROGRESS_KINDS),
                      UniqueConstraint("enrolment_id", "idempotency_key", name="uq_programme_progress_submit"),
                      UniqueConstraint("enrolment_id", "day", name="uq_programme_progress_diary_day"))

    id = Column(Integer, primary_key=True)
    enrolment_id = Column(Integer, ForeignKey("programme_enrolment.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    module_id = Column(String(120), nullable=True)
    kind = Column(String(20), nullable=False)
    value = Column(JSON, nullable=True)
    recorded_at = Column(UtcDateTime(), nullable=False, default=_now)
    idempotency_key = Column(String(120), nullable=False)
    day = Column(Date, nullable=True)  # a diary entry's day (one per enrolment and day); NULL for other kinds


class PlanNote(OwnSpaceBase):
    """A professional's note on a resident's self-care plan (of one enrolment, or of the plan as a whole)."""

    __tablename__ = "plan_note"
    __table_args__ = (UniqueConstraint("person_key", "idempotency_key", name="uq_plan_note_submit"),)

    id = Column(Integer, primary_key=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=False, index=True)
    enrolment_id = Column(Integer, ForeignKey("programme_enrolment.id", ondelete="CASCADE"), nullable=True,
                          index=True)
    staff_account_id = Column(Integer, ForeignKey("account.id"), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    idempotency_key = Column(String(120), nullable=True)  # the submit's (a double click stores one); NULL before 0010


class AssessmentResult(OwnSpaceBase):
    """A self-assessment's result over time: instrument, score and its band's label (never a diagnosis)."""

    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("person_key", "idempotency_key", name="uq_assessment_result_submit"),)

    id = Column(Integer, primary_key=True)
    person_key = Column(String(PERSON_KEY_LENGTH), nullable=False, index=True)
    instrument_id = Column(String(40), nullable=False)
    score = Column(Integer, nullable=False)
    band = Column(String(120), nullable=False)
    taken_at = Column(UtcDateTime(), nullable=False, default=_now)
    idempotency_key = Column(String(120), nullable=True)        # one result per completed questionnaire


# -- One record for every contact (issue 20): phone, chat, messages and walk-in alike ----------------

CONTACTORS = ("resident", "relative", "professional", "other", "unknown")  # unknown: "ei tietoa"
PATH_SENT_VIA = ("sms", "email")
WITHIN_REGION = "referred_within_region"  # the one onward guidance that names a service area


class ContactRecord(OwnSpaceBase):  # the typed alias of Base (see above)
    """One contact with the client-guidance service as a professional recorded it: the channel, who
    contacted, why, where the resident was guided next. At most one record per ticket and per live chat
    (`source_ticket_id`, `source_handoff_id`); one per submitted form (`idempotency_key`)."""

    __tablename__ = "contact_record"
    __table_args__ = (_one_of("channel", CONTACT_CHANNELS), _one_of("contactor", CONTACTORS),
                      _one_of("onward", OUTCOMES),
                      CheckConstraint("path_sent_via IS NULL OR path_sent_via IN ('sms', 'email')",
                                      name="ck_path_sent_via_allowed"),
                      CheckConstraint(f"(onward = '{WITHIN_REGION}' AND service_area IS NOT NULL) OR "
                                      f"(onward <> '{WITHIN_REGION}' AND service_area IS NULL)",
                                      name="ck_contact_record_service_area"))

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(120), nullable=False, unique=True)  # one record per submitted form
    recorded_by = Column(Integer, ForeignKey("account.id"), nullable=False, index=True)
    created_at = Column(UtcDateTime(), nullable=False, default=_now)
    contact_at = Column(UtcDateTime(), nullable=False, index=True)      # when the contact happened
    channel = Column(String(20), nullable=False)
    contactor = Column(String(20), nullable=False)
    reasons = Column(JSON, nullable=False, default=list)                 # of REASONS, at least one
    note = Column(Text, nullable=False, default="")                      # identity codes redacted
    onward = Column(String(30), nullable=False)                          # of OUTCOMES
    service_area = Column(String(60), nullable=True)                     # the region profile's area id
    path_id = Column(String(120), nullable=True)                         # the guidance path given
    path_sent_via = Column(String(10), nullable=True)                    # sms / email (the outbox sends it)
    follow_up_ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True, index=True)
    source_ticket_id = Column(Integer, ForeignKey("ticket.id", ondelete="SET NULL"), nullable=True, unique=True)
    source_handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="SET NULL"), nullable=True, unique=True)
