"""The emergency policy outranks rules, forms and a self-assessment; the assessment policy keeps an
assessment going above the rules."""
from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import ACTION_ASSESSMENT, ACTION_CONTACT_REQUEST, ACTION_EMERGENCY
from bot.policies.assessment_policy import AssessmentPolicy
from bot.policies.contact_policy import ContactPolicy
from bot.policies.emergency_policy import EmergencyPolicy
from tests.conftest import PROJECT_DIR


def make_policy(tmp_path, cls=EmergencyPolicy):
    domain = Domain.load(str(PROJECT_DIR / "bot" / "domain.yml"))
    storage = LocalModelStorage(tmp_path)
    policy = cls.create(cls.get_default_config(), storage, Resource(cls.__name__),
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


def test_an_assessment_in_progress_takes_every_message_but_an_emergency(tmp_path):
    policy, domain = make_policy(tmp_path, AssessmentPolicy)
    emergency, _ = make_policy(tmp_path, EmergencyPolicy)
    active = [SlotSet("assessment", {"id": "phq9", "stage": "items"})]
    answer = tracker_with(*active, UserUttered("en kertaakaan", {"name": "deny", "confidence": 0.9}))
    assert best_action(policy, domain, answer) == ACTION_ASSESSMENT
    crisis = tracker_with(*active, UserUttered("en jaksa elää", {"name": "emergency", "confidence": 1.0}))
    assert best_action(policy, domain, crisis) is None and best_action(emergency, domain, crisis) == ACTION_EMERGENCY
    assert emergency.priority > policy.priority > 6
    after = tracker_with(*active, UserUttered("2", {"name": "ask_guidance", "confidence": 0.5}),
                         ActionExecuted(ACTION_ASSESSMENT))
    assert best_action(policy, domain, after) == ACTION_LISTEN_NAME
    idle = tracker_with(UserUttered("mistä saan ajan", {"name": "ask_guidance", "confidence": 0.9}))
    assert best_action(policy, domain, idle) is None
    start = tracker_with(UserUttered("mielialatesti", {"name": "start_assessment", "confidence": 0.9}))
    assert best_action(policy, domain, start) == ACTION_ASSESSMENT


def test_a_contact_form_in_progress_takes_every_message_but_an_emergency_and_a_running_assessment(tmp_path):
    policy, domain = make_policy(tmp_path, ContactPolicy)
    emergency, _ = make_policy(tmp_path, EmergencyPolicy)
    form = [SlotSet("contact_form", {"form_id": "f", "stage": "phone", "data": {}})]
    phone = tracker_with(*form, UserUttered("040 123 4567", {"name": "ask_guidance", "confidence": 0.4}))
    assert best_action(policy, domain, phone) == ACTION_CONTACT_REQUEST
    crisis = tracker_with(*form, UserUttered("en jaksa elää", {"name": "emergency", "confidence": 1.0}))
    assert best_action(policy, domain, crisis) is None and best_action(emergency, domain, crisis) == ACTION_EMERGENCY
    for intent in ("request_contact", "ticket_status", "contact_answer"):
        start = tracker_with(UserUttered("soittopyyntö", {"name": intent, "confidence": 0.9}))
        assert best_action(policy, domain, start) == ACTION_CONTACT_REQUEST
    in_assessment = tracker_with(SlotSet("assessment", {"id": "phq9", "stage": "items"}),
                                 UserUttered("soittakaa mulle", {"name": "request_contact", "confidence": 0.9}))
    assert best_action(policy, domain, in_assessment) is None  # the assessment keeps it (and offers contact)
    idle = tracker_with(UserUttered("mistä saan ajan", {"name": "ask_guidance", "confidence": 0.9}))
    assert best_action(policy, domain, idle) is None
