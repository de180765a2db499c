"""The emergency policy outranks rules and forms."""
from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_EMERGENCY
from bot.policies.emergency_policy import EmergencyPolicy
from tests.conftest import PROJECT_DIR


def make_policy(tmp_path) -> tuple[EmergencyPolicy, Domain]:
    domain = Domain.load(str(PROJECT_DIR / "bot" / "domain.yml"))
    storage = LocalModelStorage(tmp_path)
    policy = EmergencyPolicy.create(EmergencyPolicy.get_default_config(), storage, Resource("emergency"),
                                    ExecutionContext(GraphSchema({}), "test"))
    return policy, domain


def tracker_with(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("resident", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def best_action(policy, domain, tracker) -> str | None:
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_an_emergency_message_gets_the_emergency_action_even_inside_a_form(tmp_path):
    policy, domain = make_policy(tmp_path)
    tracker = tracker_with(ActiveLoop("some_form"), ActionExecuted("some_form"), ActionExecuted(ACTION_LISTEN_NAME),
                           UserUttered("en jaksa elää", {"name": "emergency", "confidence": 1.0}))
    assert best_action(policy, domain, tracker) == ACTION_EMERGENCY
    assert policy.priority > 6  # above RulePolicy, which runs forms


def test_after_the_emergency_answer_the_bot_listens(tmp_path):
    policy, domain = make_policy(tmp_path)
    tracker = tracker_with(UserUttered("apua", {"name": "emergency", "confidence": 1.0}), ActionExecuted(ACTION_EMERGENCY))
    assert best_action(policy, domain, tracker) == ACTION_LISTEN_NAME


def test_other_messages_are_left_to_the_other_policies(tmp_path):
    policy, domain = make_policy(tmp_path)
    tracker = tracker_with(UserUttered("hei", {"name": "greet", "confidence": 1.0}))
    assert best_action(policy, domain, tracker) is None
