"""What the chat keeps in, and reads from, an identified resident's own space.

The own space names a resident by their person key (`actions/store/person_key.py`), made here from
the identity the actions may trust (`actions/identity.py`: the slot AND a live identified session),
never from the slot alone; an anonymous conversation has no key, and nothing of it is kept there.

* `record_result`: a completed self-assessment's instrument, score and level (the instrument's band
  label, or "below / at or above the cut-off" when it has no bands), never diagnosis wording; once per
  questionnaire run, so a retried action stores one result.
* `programme_progress`: the active programmes' progress for a contact request (`programme_progress.py`).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.identity import verified_identity
from actions.programme_progress import snapshot
from actions.runtime import Runtime
from actions.store.access import InputRefused
from actions.store.identification import IdentificationStore
from actions.store.person_key import NotAPersonKey, person_key
from actions.store.transactions import StoreUnavailable
from bot.personal_data import conversation_key
from guidance_library.instruments import AssessmentResult
from guidance_library.models import GuidanceLibrary
from guidance_library.programme import as_enrolled

logger = logging.getLogger(__name__)
STORE_FAULTS = (StoreUnavailable, SQLAlchemyError)
CHOOSE_PROGRAMME_INTENT = "choose_programme"  # a choice on a programme offer (actions/programme.py)
WORSE_INTENT = "programme_worse"               # "Tilanteeni on huonompi", sent by the own space's link
ACTION_PROGRAMME_WORSE = "action_programme_worse"


def identity_and_key(tracker: Tracker, runtime: Runtime) -> tuple[dict | None, str | None]:
    """The verified identity ({"code", "name"}) and its person key; (None, None) when anonymous. An
    identity whose code makes no key (not an identity code) is kept without a key, with a log line."""
    identity = verified_identity(tracker, IdentificationStore(runtime.sessions))
    if identity is None:
        return None, None
    return identity, key_of(identity, runtime, tracker.sender_id)


def key_of(identity: dict | None, runtime: Runtime, sender_id: str) -> str | None:
    """The person key of a verified identity (None for none, or for a code that names nobody)."""
    if identity is None:
        return None
    try:
        return person_key(str(identity.get("code") or ""), runtime.person_keys_secret)
    except NotAPersonKey:
        logger.warning("identified session without a valid identity code: no person key (conversation %s)",
                       conversation_key(sender_id))
        return None


def resident_key(tracker: Tracker, runtime: Runtime) -> str | None:
    """The person key of the conversation's verified resident, or None (anonymous)."""
    return identity_and_key(tracker, runtime)[1]


def local_date(runtime: Runtime, moment: dt.datetime | None = None) -> dt.date:
    """The date in the region's time zone of `moment` (default: now); a naive time is taken as UTC."""
    moment = moment or runtime.tickets.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(ZoneInfo(runtime.tickets.office_hours.timezone)).date()


def result_band(result: AssessmentResult, runtime: Runtime) -> str:
    """The level kept with the score: the band's label, or below / at or above the cut-off."""
    if result.band:
        return result.band
    name = "band_at_or_above" if result.at_or_above else "band_below"
    return runtime.programme_texts.say(name, threshold=result.threshold)


def record_result(runtime: Runtime, key: str, result: AssessmentResult, run_id: str) -> bool:
    """Keep the result in the resident's own space (once per run); False when it could not be kept."""
    try:
        runtime.own_space.record_result(key, result.instrument, result.total, result_band(result, runtime),
                                        idempotency_key=f"assessment:{run_id}")
    except (*STORE_FAULTS, InputRefused) as error:
        logger.error("assessment result not kept in the own space (%s)", error.__class__.__name__)
        return False
    return True


def programme_progress(runtime: Runtime, key: str, library: GuidanceLibrary,
                       worse_programme: str | None = None) -> list[dict[str, Any]]:
    """The resident's active programmes' progress (the one reported worse first); [] if none, or if
    the store cannot be read (the request goes on without it, and operators get a log line)."""
    try:
        enrolments = [e for e in runtime.own_space.enrolments(key) if e.status == "active"]
        entries = {e.id: runtime.own_space.progress(key, e.id) for e in enrolments}
    except STORE_FAULTS as error:
        logger.error("programme progress not read for a contact request (%s)", error.__class__.__name__)
        return []
    today = local_date(runtime)
    items = []
    for enrolment in enrolments:
        programme = library.programmes.get(enrolment.programme_id)
        if programme is not None:  # a single module a professional assigned: that module alone
            programme = as_enrolled(programme, enrolment.module_id)
        if programme is None:  # removed from the library meanwhile: nothing to show it with
            continue
        items.append(snapshot(programme, enrolment, entries[enrolment.id], today,
                              lambda moment: local_date(runtime, moment),
                              reported_worse=enrolment.programme_id == worse_programme))
    return sorted(items, key=lambda item: not item["reported_worse"])
