"""Everything of ours that touches Rasa's internals, installed by one idempotent `install()`.

The Rasa process calls `install()` where Rasa builds our code, never on import: the resident
channels' `from_credentials` (bot/channels/rest.py, bot/channels/webchat.py; `rasa run` with
bot/credentials.yml, before the agent and its tracker store exist) and each custom NLU
component's `create`/`load` (bot/components/: `rasa train`, `rasa shell`, `rasa run` with any
channels). The first call does the work, later ones return at once.

`install()` first checks the Rasa version: the patches below replace Rasa's own methods and were
written for Rasa 3.6.21 (`PINNED_RASA`, pinned in pyproject.toml and requirements.lock); any other
version stops the process with an error naming both versions. Every replaced method is listed in `PATCHED` with
the shape (parameters, sync or async) it had when its patch was written; tests/test_rasa_internals.py
checks each against Rasa's original, so a renamed or changed method fails a test, not silently.
`install()` also installs the process's log redaction (bot/log_redaction.py), before Rasa reads
any resident message.

Performance (`_validate_action_results_once`): `RemoteAction._validate_action_result` calls
`jsonschema.validate`, which re-checks the (constant) response schema against the JSON-Schema
meta-schema on every custom-action call. Profiling the server (py-spy) showed that re-check as
about half of a reply's time here. This installs the same validation, same schema and same error
message, with the schema checked once.

Resident text (`_resident_text`): every `UserMessage` Rasa makes, from a channel, `/model/parse` or
`/conversations/{id}/messages`, holds at most `MAX_MESSAGE_CHARS` characters, so neither the NLU
(whose transformer grows with the square of the tokens) nor the tracker store ever sees more (the
tokenizer cuts again for any other way in); and it loses its bidirectional control characters
(`bot/bidi_controls.py`), so the tracker, the console's transcript and what is made from them hold
none, and the NLU reads the words as they show.

Conversation context (`_conversation_context`): Rasa's NLU sees one message alone. Before the graph
parses a message, the server puts on it (as metadata under `CONVERSATION_CONTEXT`, replacing
anything a client sent under that key) the conversation's topic and path shown last and the
resident's earlier messages from its tracker, so the guidance ranker can read "paljonko se
maksaa?" with "haluun hakea mummolle kotihoitoa" (actions/follow_up.py).

Faults (`_action_failure_notice`, `_tracker_store_without_fallback`, `_lock_expiry_fix`): an
unreachable actions server gives the resident a Finnish notice instead of silence, a failing
tracker store fails the message honestly instead of answering from a blank in-memory tracker
(texts in `bot/service_faults.py`), and a message waiting for a dead replica's conversation lock
is served when that lock expires.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Text

from bot.log_format import use_json_if_wanted
from bot.log_redaction import install_log_redaction
from bot.metrics import set_process

logger = logging.getLogger(__name__)
PINNED_RASA = "3.6.21"


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def check_rasa_version(found: str) -> None:
    """Raise `UnsupportedRasa` unless `found` is exactly the pinned version."""
    if found != PINNED_RASA:
        raise UnsupportedRasa(
            f"Rasa {found} is installed, but bot/rasa_internals.py patches Rasa {PINNED_RASA} only (the version "
            f"pyproject.toml pins): its patches replace Rasa's own methods. Install Rasa {PINNED_RASA} "
            f"(scripts/setup), or check every patch against Rasa {found} (tests/test_rasa_internals.py) and "
            f"then change PINNED_RASA.")


@dataclass(frozen=True)
class Patched:
    """One Rasa method replaced here, and its shape when the patch was written (see `shape`)."""

    module: str
    owner: str
    name: str
    shape: str

    @property
    def key(self) -> str:
        return f"{self.module}.{self.owner}.{self.name}"

    def owner_class(self) -> type:
        return getattr(importlib.import_module(self.module), self.owner)


PATCHED = (
    Patched("rasa.core.actions.action", "RemoteAction", "_validate_action_result", "(self, result)"),
    Patched("rasa.core.actions.action", "RemoteAction", "run", "async (self, output_channel, nlg, tracker, domain)"),
    Patched("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve", "async (self, sender_id)"),
    Patched("rasa.core.tracker_store", "FailSafeTrackerStore", "retrieve_full_tracker", "async (self, sender_id)"),
    Patched("rasa.core.tracker_store", "FailSafeTrackerStore", "save", "async (self, tracker)"),
    Patched("rasa.core.tracker_store", "FailSafeTrackerStore", "keys", "async (self)"),
    Patched("rasa.core.lock", "TicketLock", "is_locked", "(self, ticket_number)"),
    Patched("rasa.core.channels.channel", "UserMessage", "__init__",
            "(self, text=None, output_channel=None, sender_id=None, parse_data=None, input_channel=None, "
            "message_id=None, metadata=None)"),
    Patched("rasa.core.processor", "MessageProcessor", "_parse_message_with_graph",
            "(self, message, tracker, only_output_properties=True)"),
)
# Rasa methods the patches call without replacing them, with their shapes.
RELIED_ON = (
    Patched("rasa.core.actions.action", "RemoteAction", "action_response_format_spec", "()"),
    Patched("rasa.core.lock", "TicketLock", "remove_expired_tickets", "(self)"),
    Patched("rasa.core.actions.action", "ActionSessionStart", "run", "async (self, output_channel, nlg, tracker, domain)"),
)
_PATCHED_KEYS = frozenset(p.key for p in PATCHED)
_ORIGINALS: Dict[str, Any] = {}  # key -> Rasa's own method, saved before it was replaced
_STATE = {"installed": False}
_INSTALL_LOCK = threading.Lock()


def shape(method: Callable[..., Any]) -> str:
    """A method's parameters (names, kinds, defaults; not annotations) and whether it is async:
    "async (self, sender_id)"."""
    signature = inspect.signature(method)
    plain = signature.replace(parameters=[p.replace(annotation=inspect.Parameter.empty)
                                          for p in signature.parameters.values()],
                              return_annotation=inspect.Signature.empty)
    return ("async " if inspect.iscoroutinefunction(method) else "") + str(plain)


def original(patched: Patched) -> Callable[..., Any]:
    """Rasa's own method: the one saved when it was replaced, or the one in place if not yet replaced."""
    return _ORIGINALS.get(patched.key) or getattr(patched.owner_class(), patched.name)


def _replace(owner: type, name: str, wrap: Callable[[Any], Any]) -> None:
    """Put `wrap(original)` in place of `owner.name`, once (a second call changes nothing)."""
    key = f"{owner.__module__}.{owner.__qualname__}.{name}"
    if key not in _PATCHED_KEYS:
        raise RuntimeError(f"{key} is not listed in PATCHED: list it with its shape before replacing it")
    if key in _ORIGINALS:
        return
    if name not in owner.__dict__:
        raise UnsupportedRasa(f"Rasa has no {key} to patch (renamed or moved?): check bot/rasa_internals.py")
    _ORIGINALS[key] = owner.__dict__[name]
    setattr(owner, name, wrap(_ORIGINALS[key]))


def install() -> None:
    """Check the Rasa version, then install the log redaction and every patch of this module (idempotent)."""
    if _STATE["installed"]:
        return
    with _INSTALL_LOCK:
        if _STATE["installed"]:
            return
        import rasa

        check_rasa_version(rasa.__version__)
        install_log_redaction()
        set_process("rasa")
        use_json_if_wanted()  # Rasa has made its log handlers by now
        _validate_action_results_once()
        _resident_text()
        _conversation_context()
        _action_failure_notice()
        _tracker_store_without_fallback()
        _lock_expiry_fix()
        _STATE["installed"] = True


# --- Performance -------------------------------------------------------------------------------------------

def _validate_action_results_once() -> None:
    """Replace RemoteAction's response validation by a cached, equivalent one."""
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

    _replace(RemoteAction, "_validate_action_result", lambda _rasa_own: validate_action_result)


# --- Resident text and its context -------------------------------------------------------------------------

def _resident_text() -> None:
    """Every resident message Rasa builds: cut to `MAX_MESSAGE_CHARS` characters first (so nothing
    after this reads more), then without bidirectional control characters."""
    from rasa.core.channels.channel import UserMessage

    from bot.bidi_controls import without_bidi_controls
    from bot.constants import MAX_MESSAGE_CHARS

    def wrap(rasa_init: Callable[..., None]) -> Callable[..., None]:
        def resident_init(self: UserMessage, text: Any = None, *args: Any, **kwargs: Any) -> None:
            if isinstance(text, str):
                text = without_bidi_controls(text[:MAX_MESSAGE_CHARS])  # before Rasa's strip()
            rasa_init(self, text, *args, **kwargs)
        return resident_init

    _replace(UserMessage, "__init__", wrap)


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


def _conversation_context() -> None:
    """Every message parsed with a tracker carries the conversation's context (see the module doc)."""
    import copy

    from rasa.core.processor import MessageProcessor

    from bot.constants import CONVERSATION_CONTEXT

    def wrap(rasa_parse: Callable[..., Any]) -> Callable[..., Any]:
        def parse_in_context(self: MessageProcessor, message: Any, tracker: Any, *args: Any, **kwargs: Any) -> Any:
            metadata = {k: v for k, v in (message.metadata or {}).items() if k != CONVERSATION_CONTEXT} \
                if isinstance(message.metadata, dict) else {}
            context = conversation_context(tracker)  # the tracker holds the events before this message
            if context:
                metadata[CONVERSATION_CONTEXT] = context
            in_context = copy.copy(message)  # the tracker keeps what the client sent
            in_context.metadata = metadata
            return rasa_parse(self, in_context, tracker, *args, **kwargs)
        return parse_in_context

    _replace(MessageProcessor, "_parse_message_with_graph", wrap)


# --- Honest answers under faults (production mode: bot/deploy/README.md) ------------------------------------

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


def _action_failure_notice() -> None:
    """A custom action whose server cannot be reached answers with the resident's fault notice.

    Rasa logs such a failure and drops the action's events, so the resident would get no answer at
    all. Now the turn gets one Finnish notice (`bot/service_faults.py`); the conversation's state
    is unchanged, so writing again continues where it was. `action_session_start` falls back to
    Rasa's built-in session start instead (housekeeping: no notice for it). Rejections (HTTP 400,
    which let another policy act) are left to Rasa.
    """
    import asyncio

    from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    from bot.service_faults import ACTIONS_FAULT, fault_message

    def wrap(rasa_run: Callable[..., Any]) -> Callable[..., Any]:
        async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
            try:
                return await rasa_run(self, output_channel, nlg, tracker, domain)
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
        return run

    _replace(RemoteAction, "run", wrap)


def _tracker_store_without_fallback() -> None:
    """The tracker store is tried twice, then the message fails honestly; never a blank tracker.

    Rasa wraps every tracker store in `FailSafeTrackerStore`, which on an error returns "no
    tracker" and saves into memory: with PostgreSQL down, a resident in the middle of a form would
    be answered by a bot that has forgotten the conversation, and that turn would be lost when the
    database returns. Here each call is retried once (after a database restart the first call
    meets a stale pooled connection and the retry gets a fresh one); a second failure raises
    `TrackerStoreUnavailable`, which the channel turns into the resident's notice.
    """
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

    for replacement in (retrieve, retrieve_full_tracker, save, keys):
        _replace(FailSafeTrackerStore, replacement.__name__, lambda _rasa_own, new=replacement: new)


def _is_locked(self: Any, ticket_number: int) -> bool:
    """Locked while an unexpired ticket issued before this one remains."""
    self.remove_expired_tickets()
    return any(ticket.number < ticket_number for ticket in self.tickets)


def _lock_expiry_fix() -> None:
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

    _replace(TicketLock, "is_locked", lambda _rasa_own: _is_locked)
