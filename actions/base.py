"""Base class of the actions that use the shared runtime (library, database, emergency rules)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import Runtime, default_runtime
from bot.bidi_controls import without_bidi_controls
from guidance_library.models import GuidanceLibrary


class RuntimeAction(Action, ABC):
    """An action with the process runtime; tests pass their own `Runtime`.

    Abstract, so rasa-sdk does not register this class itself as an action.
    """

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        """The runtime given at construction, or the process-wide one."""
        return self._runtime or default_runtime()

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""


class LibraryAction(RuntimeAction):
    """An action that answers from the guidance library as it is at this turn.

    Most actions begin the same way (their name, rasa-sdk's `run` signature, the library of the
    turn); here that is written once, and an action names itself in `action_name` and answers in
    `respond`. Abstract (`respond`), so rasa-sdk does not register it as an action.
    """

    action_name: ClassVar[str] = ""

    def name(self) -> Text:
        return self.action_name

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[EventType]:
        return self.respond(dispatcher, tracker, self.runtime.library.current())

    @abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        """The action's answer to the latest message: messages through `dispatcher`, slot events returned."""


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in the latest message (button payloads carry them).

    A payload typed by hand can carry JSON escapes that Rasa decodes into bidirectional control
    characters after the message text was cleaned; they are removed here too."""
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else without_bidi_controls(str(value))


def latest_intent_and_text(tracker: Tracker) -> tuple[str | None, str]:
    """The latest message's intent name and text."""
    message = tracker.latest_message or {}
    return (message.get("intent") or {}).get("name"), str(message.get("text") or "")
