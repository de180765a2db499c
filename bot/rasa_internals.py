"""Patches of Rasa 3.6: a performance fix, and honest answers when a part of the service fails.

Performance: validate custom-action responses with a validator built once.

`RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks the
(constant) response schema against the JSON-Schema meta-schema on every custom-action call.
Profiling the server (py-spy) showed that re-check as about half of a reply's time here. This
installs the same validation, same schema and same error message, with the schema checked
once. Installed when Rasa imports our components (bot/components/__init__.py).

Resident text (`install_resident_text`, installed with the components and by the channels): every
`UserMessage` Rasa makes, from a channel, `/model/parse` or `/conversations/{id}/messages`, holds at
most `MAX_MESSAGE_CHARS` characters, so neither the NLU (whose transformer grows with the square of
the tokens) nor the tracker store ever sees more (the tokenizer cuts again for any other way in);
and it loses its bidirectional control characters (`bot/bidi_controls.py`), so the tracker, the
console's transcript and what is made from them hold none, and the NLU reads the words as they show.

Conversation context (`install_conversation_context`, installed with the components): Rasa's NLU
sees one message alone. Before the graph parses a message, the server puts on it (as metadata under
`CONVERSATION_CONTEXT`, replacing anything a client sent under that key) the conversation's topic
and path shown last and the resident's earlier messages from its tracker, so the guidance ranker
can read "paljonko se maksaa?" with "haluun hakea mummolle kotihoitoa" (actions/follow_up.py).

Faults (`install_fault_handling`, installed by the resident channels when Rasa creates them,
before the agent and its tracker store exist): an unreachable actions server gives the resident
a Finnish notice instead of silence, and a failing tracker store fails the message honestly
instead of answering from a blank in-memory tracker (texts in `bot/service_faults.py`).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

logger = logging.getLogger(__name__)
_INSTALLED = {"done": False}


def install_action_validation_fix() -> None:
    """Replace RemoteAction's response validation by a cached, equivalent one (idempotent)."""
    if _INSTALLED["done"]:
        return
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (". Failed to validate Action server response from API, make sure your response "
                              f"from the Action endpoint is valid. For more information about the format visit "
                              f"{DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    _INSTALLED["done"] = True


# --- Honest answers under faults (production mode: bot/deploy/README.md) ------------------------------

def _already_told(tracker: Any) -> bool:
    """Whether this turn (since the resident's last message) already carries a fault notice."""
    from rasa.shared.core.events import BotUttered, UserUttered

    from bot.service_faults import is_fault_message

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and is_fault_message({"data": event.data}):
            return True
    return False


def install_action_failure_notice() -> None:
    """A custom action whose server cannot be reached answers with the resident's fault notice.

    Rasa logs such a failure and drops the action's events, so the resident would get no answer at
    all. Now the turn gets one Finnish notice (`bot/service_faults.py`); the conversation's state
    is unchanged, so writing again continues where it was. `action_session_start` falls back to
    Rasa's built-in session start instead (housekeeping: no notice for it). Rejections (HTTP 400,
    which let another policy act) are left to Rasa. Idempotent.
    """
    if _INSTALLED.get("action_failure"):
        return
    import asyncio

    from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    from bot.service_faults import ACTIONS_FAULT, fault_message

    original = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except (RasaException, asyncio.TimeoutError) as error:
            logger.error("custom action %s failed (%s); the resident was told", self.name(), error)
            if self.name() == ACTION_SESSION_START_NAME:
                return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
            if _already_told(tracker):
                return []
            notice = fault_message(ACTIONS_FAULT)
            return [BotUttered(notice["text"], data={"custom": notice["custom"]})]

    RemoteAction.run = run  # type: ignore[method-assign]
    _INSTALLED["action_failure"] = True


def install_tracker_store_without_fallback() -> None:
    """The tracker store is tried twice, then the message fails honestly; never a blank tracker.

    Rasa wraps every tracker store in `FailSafeTrackerStore`, which on an error returns "no
    tracker" and saves into memory: with PostgreSQL down, a resident in the middle of a form would
    be answered by a bot that has forgotten the conversation, and that turn would be lost when the
    database returns. Here each call is retried once (after a database restart the first call
    meets a stale pooled connection and the retry gets a fresh one); a second failure raises
    `TrackerStoreUnavailable`, which the channel turns into the resident's notice. Idempotent.
    """
    if _INSTALLED.get("tracker_store"):
        return
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.service_faults import TrackerStoreUnavailable

    async def twice(operation: str, call: Any) -> Any:
        try:
            return await call()
        except Exception as first:  # noqa: BLE001 - any store error: one retry, then the honest failure
            logger.warning("tracker store %s failed (%s); retrying once", operation, first)
        try:
            return await call()
        except Exception as second:  # noqa: BLE001 - the store's own error types vary by backend
            raise TrackerStoreUnavailable(operation, str(second).splitlines()[0] if str(second) else "") from second

    async def retrieve(self: FailSafeTrackerStore, sender_id: str) -> Any:
        return await twice("retrieve", lambda: self._tracker_store.retrieve(sender_id))

    async def retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: str) -> Any:
        return await twice("retrieve", lambda: self._tracker_store.retrieve_full_tracker(sender_id))

    async def save(self: FailSafeTrackerStore, tracker: Any) -> None:
        await twice("save", lambda: self._tracker_store.save(tracker))

    async def keys(self: FailSafeTrackerStore) -> Any:
        return await twice("keys", lambda: self._tracker_store.keys())

    FailSafeTrackerStore.retrieve = retrieve  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve_full_tracker = retrieve_full_tracker  # type: ignore[method-assign]
    FailSafeTrackerStore.save = save  # type: ignore[method-assign]
    FailSafeTrackerStore.keys = keys  # type: ignore[method-assign]
    _INSTALLED["tracker_store"] = True


def _is_locked(self: Any, ticket_number: int) -> bool:
    """Locked while an unexpired ticket issued before this one remains."""
    self.remove_expired_tickets()
    return any(ticket.number < ticket_number for ticket in self.tickets)


def install_lock_expiry_fix() -> None:
    """A message waiting for a dead replica's conversation lock is served when that lock expires.

    Rasa 3.6's `TicketLock.is_locked` compares the ticket with the first one in the queue. A replica
    that dies holding the lock leaves its ticket in Redis until it expires (TICKET_LOCK_LIFETIME);
    if the waiting message's own ticket expires before a check falls between the two expiries
    (they are at most a second or two apart), the queue is empty, the first ticket is "0", and
    the message waits forever, silently. Here a ticket is locked only while an unexpired earlier
    ticket remains: the same answer while the waiting ticket is in the queue, and served once
    nothing earlier is left.
    """
    from rasa.core.lock import TicketLock

    TicketLock.is_locked = _is_locked  # type: ignore[method-assign]


def install_resident_text() -> None:
    """Every resident message Rasa builds: cut to `MAX_MESSAGE_CHARS` characters first (so nothing
    after this reads more), then without bidirectional control characters (idempotent)."""
    if _INSTALLED.get("resident_text"):
        return
    from rasa.core.channels.channel import UserMessage

    from bot.bidi_controls import without_bidi_controls
    from bot.constants import MAX_MESSAGE_CHARS

    original = UserMessage.__init__

    def resident_init(self: UserMessage, text: Any = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(text, str):
            text = without_bidi_controls(text[:MAX_MESSAGE_CHARS])  # before Rasa's strip()
        original(self, text, *args, **kwargs)

    UserMessage.__init__ = resident_init  # type: ignore[method-assign]
    _INSTALLED["resident_text"] = True


CONTEXT_MESSAGES = 2        # the resident's messages before the latest one that the ranker reads with it
CONTEXT_CHARS = 600         # of each: the ranker needs the words of a question, not a whole story


def conversation_context(tracker: Any) -> Dict[str, Any]:
    """The topic and path of the conversation and the resident's latest earlier texts (typed, not
    buttons), newest last, from a tracker; empty for a new conversation."""
    from rasa.shared.core.events import UserUttered

    if tracker is None:
        return {}
    earlier: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.text and not event.text.startswith("/"):
            earlier.append(event.text[:CONTEXT_CHARS])
            if len(earlier) == CONTEXT_MESSAGES:
                break
    from bot.constants import LAST_PATH_SLOT, TOPIC_SLOT

    topic, path = tracker.get_slot(TOPIC_SLOT), tracker.get_slot(LAST_PATH_SLOT)
    if not (earlier or topic or path):
        return {}
    return {"topic": topic, "path": path, "earlier": list(reversed(earlier))}


def install_conversation_context() -> None:
    """Every message parsed with a tracker carries the conversation's context (see the module doc)."""
    if _INSTALLED.get("conversation_context"):
        return
    import copy

    from rasa.core.processor import MessageProcessor

    from bot.constants import CONVERSATION_CONTEXT

    original = MessageProcessor._parse_message_with_graph

    def parse_in_context(self: MessageProcessor, message: Any, tracker: Any, *args: Any, **kwargs: Any) -> Any:
        metadata = {k: v for k, v in (message.metadata or {}).items() if k != CONVERSATION_CONTEXT} \
            if isinstance(message.metadata, dict) else {}
        context = conversation_context(tracker)  # the tracker holds the events before this message
        if context:
            metadata[CONVERSATION_CONTEXT] = context
        in_context = copy.copy(message)  # the tracker keeps what the client sent
        in_context.metadata = metadata
        return original(self, in_context, tracker, *args, **kwargs)

    MessageProcessor._parse_message_with_graph = parse_in_context  # type: ignore[method-assign]
    _INSTALLED["conversation_context"] = True


def install_fault_handling() -> None:
    """The fault patches, the message limit and plain text (called by the resident channels when Rasa
    creates them)."""
    install_resident_text()
    install_action_failure_notice()
    install_tracker_store_without_fallback()
    install_lock_expiry_fix()
