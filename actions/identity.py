"""The resident's strong identity, as the actions may trust it.

The `identity` slot is set by the web app (through the Rasa server's relay) after a verified SAML
response, but a slot is only what the tracker says: a tracker posted to the actions server by
anyone else could carry any identity code. So the actions use the slot only while the
conversation has a live `identified_session` row (one the web app opened and that has neither
ended nor expired); otherwise the resident is treated as anonymous, and operators get a log line.
"""
from __future__ import annotations

import logging

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.store.identification import IdentificationStore
from actions.store.transactions import StoreUnavailable
from bot.personal_data import conversation_key
from bot.constants import IDENTITY_SLOT

logger = logging.getLogger(__name__)


def verified_identity(tracker: Tracker, store: IdentificationStore) -> dict | None:
    """{"code", "name"} when the slot holds an identity AND the conversation's session is live; else None."""
    identity = tracker.get_slot(IDENTITY_SLOT)
    if not isinstance(identity, dict) or not isinstance(identity.get("code"), str) or not identity["code"]:
        return None
    try:
        live = store.has_live_session(tracker.sender_id)
    except (SQLAlchemyError, StoreUnavailable) as error:
        logger.error("identity not verified (database: %s); treated as anonymous (conversation %s)",
                     error.__class__.__name__, conversation_key(tracker.sender_id))
        return None
    if not live:
        logger.warning("identity slot without a live identified session: ignored (conversation %s)",
                       conversation_key(tracker.sender_id))
        return None
    return {"code": identity["code"], "name": identity.get("name")}
