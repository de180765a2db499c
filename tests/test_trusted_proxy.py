"""Behind TLS: X-Forwarded-Proto counts only from the configured proxy, and then the staff and
identification cookies are Secure and answers carry Strict-Transport-Security; from anyone else
the header counts for nothing. Over real HTTP against the web app, with the "proxy" connecting from
127.0.0.2 (ASSISTANT_TRUSTED_PROXIES) and a "client reaching the app directly" from 127.0.0.1."""
from __future__ import annotations

import dataclasses
import http.client
import ipaddress
import json

import pytest
from sanic import Sanic

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from bench.stack import free_port
from bot.settings import IdentificationSettings, PrivacySettings, Secret, Settings
from bot.web.app import create_app
from tests.servers import ThreadedServer

Sanic.test_mode = True
PROXY, CLIENT = "127.0.0.2", "127.0.0.1"
PASSWORD = "Pitka-ja-vahva-salasana-2026!"
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("proxy")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ASSISTANT_TRUSTED_PROXIES", f"{PROXY}, 10.20.0.0/16")
        from_env = Settings.from_env()  # the setting as operators give it
    port = free_port()
    database_url = f"sqlite:///{workdir / 'assistant.db'}"
    settings = dataclasses.replace(
        from_env, database_url=database_url, webchat_port=port,
        privacy=PrivacySettings(tracker_url=f"sqlite:///{workdir / 'tracker.db'}", interval_hours=0),
        identification=IdentificationSettings(public_url=f"http://127.0.0.1:{port}", test_idp=True,
                                              session_secret=Secret("proxy-test-secret-" + "p" * 40),
                                              var_dir=workdir))
    accounts = AccountStore(make_session_factory(make_engine(database_url)))
    accounts.create("hoitaja", "Hoitaja Testinen", "professional", PASSWORD)
    accounts.create("johtaja", "Johtaja Testinen", "manager", PASSWORD)
    app = create_app(settings, name=f"test_proxy_{port}")
    running = ThreadedServer(app, port, f"http://127.0.0.1:{port}/chat-config.json")
    yield port
    running.stop()


def call(port: int, source: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None
         ) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def cookie(answer: http.client.HTTPResponse, name: str) -> list[str]:
    """The attributes of the Set-Cookie of `name`, lower-cased (["name=value", "path=/x", "secure", ...])."""
    for line in answer.headers.get_all("Set-Cookie") or []:
        parts = [part.strip() for part in line.split(";")]
        if parts[0].startswith(name + "="):
            return [parts[0]] + [part.lower() for part in parts[1:]]
    raise AssertionError(f"no cookie {name}: {answer.headers.get_all('Set-Cookie')}")


def doors(port: int, source: str, headers: dict) -> dict[str, http.client.HTTPResponse]:
    """The chat page, the start of a login, and the console's and management view's sign-ins, as
    `source` sends them."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    json_type = {"Content-Type": "application/json"}
    return {"page": call(port, source, "GET", "/", headers),
            "login": call(port, source, "POST", "/auth/login", {**headers, **form}, b"carry_over=no"),
            "console": call(port, source, "POST", "/console/api/session", {**headers, **json_type},
                            json.dumps({"username": "hoitaja", "password": PASSWORD}).encode()),
            "management": call(port, source, "POST", "/management/api/session", {**headers, **json_type},
                               json.dumps({"username": "johtaja", "password": PASSWORD}).encode())}


def test_https_at_the_trusted_proxy_makes_cookies_secure_and_sends_hsts(web):
    answers = doors(web, PROXY, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7, 203.0.113.5"})
    assert answers["page"].status == 200 and answers["page"].headers["Strict-Transport-Security"] == HSTS
    assert answers["login"].status == 303 and answers["login"].headers["Strict-Transport-Security"] == HSTS
    login = cookie(answers["login"], "sote_login")
    assert "secure" in login and "samesite=none" in login and "httponly" in login  # the IdP posts cross-site
    for door, name in (("console", "console_session"), ("management", "management_session")):
        assert answers[door].status == 201, door
        staff = cookie(answers[door], name)
        assert "secure" in staff and "samesite=strict" in staff and "httponly" in staff, door


@pytest.mark.parametrize("source, headers", [
    (CLIENT, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}),  # not the proxy: a claim only
    (CLIENT, {}),
    (PROXY, {"X-Forwarded-Proto": "http"}),                                     # the proxy says plain http
    (PROXY, {"X-Forwarded-Proto": "https, http"}),                              # its own (last) word counts
])
def test_plain_http_or_a_claim_from_anyone_else_gets_no_secure_flag_and_no_hsts(web, source, headers):
    answers = doors(web, source, headers)
    for name, answer in answers.items():
        assert answer.status in (200, 201, 303), name
        assert "Strict-Transport-Security" not in answer.headers, name
    login = cookie(answers["login"], "sote_login")
    assert "secure" not in login and "samesite=lax" in login  # plain http: the test IdP posts same-site
    assert "secure" not in cookie(answers["console"], "console_session")
    assert "secure" not in cookie(answers["management"], "management_session")


def test_trusted_proxies_are_read_from_the_environment_and_a_bad_value_fails_loudly(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TRUSTED_PROXIES", "127.0.0.1 10.0.0.0/8,::1")
    assert [str(n) for n in Settings.from_env().trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    monkeypatch.setenv("ASSISTANT_TRUSTED_PROXIES", "nginx.internal")
    with pytest.raises(ValueError, match="ASSISTANT_TRUSTED_PROXIES"):
        Settings.from_env()
    monkeypatch.delenv("ASSISTANT_TRUSTED_PROXIES")
    assert Settings.from_env().trusted_proxies == ()


def test_the_client_address_is_the_proxys_last_word_and_only_from_the_proxy():
    from multidict import CIMultiDict

    from bot.web.trusted_proxy import forwarded_by
    trusted = (ipaddress.ip_network("10.20.0.0/16"),)
    headers = CIMultiDict([("X-Forwarded-For", "1.2.3.4, 203.0.113.5"), ("X-Forwarded-Proto", "HTTPS")])
    assert forwarded_by("10.20.3.4", headers, trusted) == {"proto": "https", "for": "203.0.113.5"}
    assert forwarded_by("::ffff:10.20.3.4", headers, trusted)["for"] == "203.0.113.5"  # dual-stack socket
    assert forwarded_by("10.21.0.1", headers, trusted) == {}
    assert forwarded_by("10.20.3.4", CIMultiDict([("X-Forwarded-Proto", "gopher")]), trusted) == {}


def test_a_proxy_nobody_listed_is_named_once_in_the_log(caplog):
    """Behind an unlisted proxy every client would count as the proxy's address (one lockout for
    all): the operator is told which address to list."""
    import logging

    from sanic.compat import Header

    from bot.web.trusted_proxy import forwarded_by

    headers = Header({"x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https"})
    with caplog.at_level(logging.WARNING, logger="bot.web.trusted_proxy"):
        assert forwarded_by("10.9.8.7", headers, ()) == {}
        assert forwarded_by("10.9.8.7", headers, ()) == {}
        assert forwarded_by("8.8.4.4", headers, ()) == {}  # a public client claiming a proxy's words
    warnings = [r.getMessage() for r in caplog.records if "ASSISTANT_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1 and "10.9.8.7" in warnings[0]
