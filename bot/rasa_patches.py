"""Performance fix for Rasa 3.6: validate custom-action responses with a validator built once.

`RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks the
(constant) response schema against the JSON-Schema meta-schema on every custom-action call.
Profiling the server (py-spy) showed that re-check as about half of a reply's time here. This
installs the same validation, same schema and same error message, with the schema checked
once. Installed when Rasa imports our components (bot/components/__init__.py).
"""
from __future__ import annotations

from typing import Any, Dict, Text

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
