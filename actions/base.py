"""Base class of the actions that use the shared runtime (library, database, emergency rules)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Text

from rasa_sdk import Action

from actions.runtime import Runtime, default_runtime


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
