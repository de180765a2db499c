"""The person keys' secret is a setting: read once from ASSISTANT_PERSON_KEY_SECRET into `Settings`, checked
when the web app and the actions server start (a bad value fails there, naming the variable), required
with Suomi.fi's metadata (production), made once into var/ only without it (development, the test IdP)."""
from __future__ import annotations

import pytest
from sanic import Sanic

from actions.store.person_key import person_key, secret_of
from bot.constants import ENV_PERSON_KEY_SECRET, ENV_SAML_IDP_METADATA, ENV_SAML_SP_CERT, ENV_SAML_SP_KEY, \
    ENV_TEST_IDP
from bot.settings import IdentificationSettings, Secret, Settings
from bot.web.app import create_app

Sanic.test_mode = True
GOOD = "a-person-key-secret-of-forty-characters!"
RESIDENT = "131052-308T"


@pytest.fixture
def clean_env(monkeypatch):
    for name in (ENV_PERSON_KEY_SECRET, ENV_SAML_IDP_METADATA, ENV_SAML_SP_KEY, ENV_SAML_SP_CERT, ENV_TEST_IDP):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_secret_is_read_once_into_the_settings_and_a_short_one_fails_naming_it(clean_env) -> None:
    clean_env.setenv(ENV_PERSON_KEY_SECRET, GOOD)
    assert Settings.from_env().identification.person_key_secret == Secret(GOOD)
    assert GOOD not in repr(Settings.from_env())
    clean_env.setenv(ENV_PERSON_KEY_SECRET, "CHANGE-ME-48-random-characters")  # 30 characters
    with pytest.raises(ValueError, match=ENV_PERSON_KEY_SECRET):
        Settings.from_env()


def test_production_identification_requires_the_secret(clean_env, tmp_path) -> None:
    for name in (ENV_SAML_IDP_METADATA, ENV_SAML_SP_KEY, ENV_SAML_SP_CERT):
        path = tmp_path / name.lower()
        path.write_text("x", encoding="utf-8")
        clean_env.setenv(name, str(path))
    with pytest.raises(ValueError, match=f"{ENV_SAML_IDP_METADATA}.*{ENV_PERSON_KEY_SECRET}"):
        IdentificationSettings.from_env()
    clean_env.setenv(ENV_PERSON_KEY_SECRET, GOOD)
    assert IdentificationSettings.from_env().person_key_secret == Secret(GOOD)


def test_without_production_identification_var_holds_one_shared_secret(clean_env, tmp_path) -> None:
    clean_env.setenv(ENV_TEST_IDP, "1")
    settings = IdentificationSettings.from_env()
    assert settings.person_key_secret is None
    made = secret_of(settings, tmp_path)
    assert secret_of(settings, tmp_path) == made and (tmp_path / "person_key_secret").is_file()  # every process alike
    assert secret_of(IdentificationSettings(person_key_secret=Secret(GOOD)), tmp_path) == Secret(GOOD)


def test_the_web_app_takes_the_secret_from_its_settings_at_start(tmp_path) -> None:
    settings = Settings(identification=IdentificationSettings(var_dir=tmp_path, person_key_secret=Secret(GOOD)))
    app = create_app(settings, name="test_person_key_settings_app")
    runtime = app.ctx.runtime
    assert runtime.person_secret == Secret(GOOD)
    assert not (tmp_path / "person_key_secret").exists()  # a configured secret: nothing made into var/
    assert person_key(RESIDENT, runtime.person_secret) == person_key(RESIDENT, Secret(GOOD))


def test_the_actions_server_stops_at_start_on_a_bad_secret(clean_env, capsys) -> None:
    from actions import server

    clean_env.setenv(ENV_PERSON_KEY_SECRET, "too-short")
    with pytest.raises(SystemExit) as stopped:
        server.main([])
    assert stopped.value.code == 2 and ENV_PERSON_KEY_SECRET in capsys.readouterr().err
