"""Our patches of Rasa (bot/rasa_internals.py): the pinned version, the shape of every method they
replace, one idempotent install, nothing done on import; and two of the patches' own behaviour."""
from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_internals
from bot.log_redaction import _MARK
from bot.rasa_internals import PATCHED, PINNED_RASA, RELIED_ON, UnsupportedRasa, check_rasa_version, install
from tests.conftest import PROJECT_DIR

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hei", "custom": {"a": 1}}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": "x"}]


# --- the version guard ------------------------------------------------------------------------------------

def test_the_pinned_rasa_passes_and_any_other_fails_naming_both_versions():
    check_rasa_version(PINNED_RASA)
    for other in ("3.6.20", "3.6.22", "3.7.0", "3.6.21rc1", "3.6", ""):
        with pytest.raises(UnsupportedRasa) as refused:
            check_rasa_version(other)
        assert f"Rasa {other} is installed" in str(refused.value) and f"Rasa {PINNED_RASA} only" in str(refused.value)


def test_install_refuses_another_rasa_before_patching_anything(monkeypatch):
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setitem(rasa_internals._STATE, "installed", False)
    monkeypatch.setattr(rasa_internals, "_replace", lambda *args: pytest.fail("patched before the version check"))
    with pytest.raises(UnsupportedRasa, match="Rasa 3.7.0 is installed"):
        install()


# --- the shapes the patches were written for ---------------------------------------------------------------

@pytest.mark.parametrize("patched", PATCHED, ids=lambda p: f"{p.owner}.{p.name}")
def test_each_patched_rasa_method_still_has_the_shape_its_patch_was_written_for(patched):
    install()
    rasa_own = rasa_internals.original(patched)
    assert rasa_own.__module__ == patched.module  # Rasa's own method, saved before it was replaced
    assert rasa_internals.shape(rasa_own) == patched.shape
    assert getattr(patched.owner_class(), patched.name) is not rasa_own  # and it is replaced


@pytest.mark.parametrize("relied_on", RELIED_ON, ids=lambda p: f"{p.owner}.{p.name}")
def test_each_rasa_method_the_patches_call_still_has_its_shape(relied_on):
    assert rasa_internals.shape(getattr(relied_on.owner_class(), relied_on.name)) == relied_on.shape


def test_the_shape_is_the_parameters_and_whether_the_method_is_async():
    async def run(self, tracker: int, domain: str = "x", *args, **kwargs) -> None:
        pass

    assert rasa_internals.shape(run) == "async (self, tracker, domain='x', *args, **kwargs)"
    assert rasa_internals.shape(lambda self, sender_id: None) == "(self, sender_id)"


def test_install_replaces_exactly_the_listed_methods_and_refuses_an_unlisted_one():
    install()
    assert set(rasa_internals._ORIGINALS) == {p.key for p in PATCHED}
    with pytest.raises(RuntimeError, match="not listed in PATCHED"):
        rasa_internals._replace(RemoteAction, "name", lambda rasa_own: rasa_own)


def test_a_method_rasa_no_longer_has_stops_the_install_loudly(monkeypatch):
    class Renamed:  # a Rasa class whose listed method was renamed
        def _parse_message_with_graph_v2(self, message, tracker):
            pass

    key = f"{Renamed.__module__}.{Renamed.__qualname__}._parse_message_with_graph"
    monkeypatch.setattr(rasa_internals, "_PATCHED_KEYS", rasa_internals._PATCHED_KEYS | {key})
    with pytest.raises(UnsupportedRasa, match="Rasa has no .*_parse_message_with_graph to patch"):
        rasa_internals._replace(Renamed, "_parse_message_with_graph", lambda rasa_own: rasa_own)


def test_installing_again_wraps_nothing_twice(monkeypatch):
    install()
    installed = {p.key: getattr(p.owner_class(), p.name) for p in PATCHED}
    factory = logging.getLogRecordFactory()
    assert getattr(factory, _MARK, False)  # the Rasa process's log lines are redacted too
    install()
    monkeypatch.setitem(rasa_internals._STATE, "installed", False)  # even a forced second run of every patch
    install()
    assert {p.key: getattr(p.owner_class(), p.name) for p in PATCHED} == installed
    assert logging.getLogRecordFactory() is factory


INSTALLED_NOTHING = """
import importlib, logging, pkgutil
import actions, bot.channels, bot.components
from bot.log_redaction import _MARK
from bot.rasa_internals import PATCHED

def replaced():
    return [p.key for p in PATCHED if getattr(p.owner_class(), p.name).__module__ != p.module]

def redacting():
    return getattr(logging.getLogRecordFactory(), _MARK, False)

rasa_own = {p.key: getattr(p.owner_class(), p.name) for p in PATCHED}
for package in (actions, bot.components, bot.channels):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
assert not replaced() and not redacting(), ("an import installed something", replaced(), redacting())
"""
BUILT_BY_RASA = {
    "the REST channel": "from bot.channels.rest import GuardedRestInput\nGuardedRestInput.from_credentials(None)",
    "the web chat channel": "from bot.channels.webchat import WebchatInput\nWebchatInput.from_credentials({})",
    "the tokenizer": "from bot.components.finnish_tokenizer import FinnishTokenizer\n"
                     "FinnishTokenizer.create(FinnishTokenizer.get_default_config(), None, None, None)",
}


@pytest.mark.parametrize("built", BUILT_BY_RASA)
def test_importing_installs_nothing_and_what_rasa_builds_installs_everything(built):
    script = INSTALLED_NOTHING + BUILT_BY_RASA[built] + """
assert sorted(replaced()) == sorted(rasa_own) and redacting()
print("installed")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("installed"), done.stderr[-3000:]


def test_the_actions_server_redacts_its_logs_before_rasa_sdk_imports_the_actions():
    script = """
import logging, sys
from bot.log_redaction import _MARK
import actions.server
assert not getattr(logging.getLogRecordFactory(), _MARK, False), "importing the actions installed the redaction"
seen = {}
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name.startswith("actions.") and name not in seen:
            seen[name] = getattr(logging.getLogRecordFactory(), _MARK, False)
        return None
sys.meta_path.insert(0, Watch())
actions.server.create_app("a-token")
assert seen and all(seen.values()), seen
assert "actions.contact_request" in seen and "bot.rasa_internals" not in sys.modules
print("redacted")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("redacted"), done.stderr[-3000:]


# --- what two of the patches do --------------------------------------------------------------------------

def test_same_verdicts_as_jsonschema_validate():
    install()
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

    install()
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
