"""The cached action-response validation accepts and rejects exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_patches import install_action_validation_fix

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hei", "custom": {"a": 1}}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": "x"}]


def test_same_verdicts_as_jsonschema_validate():
    install_action_validation_fix()
    action = RemoteAction("action_x", EndpointConfig("http://localhost:1"))
    schema = RemoteAction.action_response_format_spec()
    validate(GOOD, schema)
    assert action._validate_action_result(GOOD)
    for bad in BAD:
        with pytest.raises(ValidationError):
            validate(bad, schema)
        with pytest.raises(ValidationError) as err:
            action._validate_action_result(bad)
        assert "Failed to validate Action server response" in err.value.message
