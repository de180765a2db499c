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


def test_a_message_waiting_for_a_dead_replicas_lock_is_served_once_that_lock_expires(monkeypatch):
    import time as time_module

    from rasa.core.lock import Ticket, TicketLock

    from bot.rasa_patches import install_lock_expiry_fix

    install_lock_expiry_fix()
    now = {"t": 1000.0}
    monkeypatch.setattr(time_module, "time", lambda: now["t"])
    lock = TicketLock("conversation")
    lock.tickets.extend([Ticket(7, expires=1020.0), Ticket(8, expires=1021.0)])  # dead replica's, then ours
    assert lock.is_locked(8)          # the earlier ticket still holds the conversation
    now["t"] = 1020.5
    assert not lock.is_locked(8)      # it expired: ours is served
    lock.tickets.extend([Ticket(9, expires=1040.0)])
    now["t"] = 1030.0                 # both 7 and 8 expired before anyone looked (Rasa: locked for ever)
    assert not lock.is_locked(8) and lock.is_locked(10)
