"""Strong identification over HTTP against real servers on loopback: the web app (SAML service
provider), its local test identity provider and a stand-in for Rasa's HTTP API; then the
socket.io channel's rules for conversations bound to an identified session."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import html
import json
import logging
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sanic import Sanic
from sqlalchemy import create_engine, select

from actions.store.analytics import record_event
from actions.store.database import make_engine, make_session_factory
from actions.store.models import AnalyticsEvent, IdentifiedSession, SamlRequest
from actions.store.person_key import person_key, person_key_secret
from actions.store.identification import IdentificationStore
from bench.stack import free_port
from bot.channels.identified_access import IdentifiedAccess
from bot.channels.webchat import WebchatInput
from bot.handoff import RELAY_PREFIX, TOKEN_HEADER, HandoffSettings
from bot.session_tokens import SessionTokens
from bot.settings import IdentificationSettings, PrivacySettings, Secret, Settings
from bot.web.app import create_app
from bot.web.saml_setup import (SamlAddresses, idp_config_dict, metadata_xml, prepare, self_signed_pair,
                                sp_config_dict)
from bot.personal_data import is_identity_code
from bot.web.suomi_fi import identity_code
from bot.web.test_idp import TEST_PEOPLE, PendingLogin, TestIdentityProvider, TestPerson
from saml2.config import IdPConfig, SPConfig
from saml2.server import Server
from tests.test_webchat import FakeSocketServer
from tests.servers import ThreadedServer
from tests.test_privacy import EVENTS_TABLE, add_transcript, transcript_senders

SECRET = Secret("test-session-secret-" + "x" * 40)
Sanic.test_mode = True  # several apps served in one test process (Sanic 21.12 rewrites its protocol once otherwise)


class FakeRasa(BaseHTTPRequestHandler):
    """The Rasa server's relay route `POST /webhooks/webchat/relay/identity`, recording what the web
    app sends (only calls with the internal token and to that route count)."""

    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == RELAY_PREFIX + "/identity" and self.headers.get(TOKEN_HEADER) == HandoffSettings.from_env().token():
            FakeRasa.received.append((body["conversation_id"], body))
        self.send_response(FakeRasa.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ident")
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    port = free_port()
    tracker_url = f"sqlite:///{workdir / 'tracker.db'}"
    tracker = create_engine(tracker_url, future=True)
    EVENTS_TABLE.create(tracker)  # Rasa's own tracker-store table, for the erasure
    tracker.dispose()
    settings = Settings(database_url=f"sqlite:///{workdir / 'assistant.db'}", webchat_port=port,
                        privacy=PrivacySettings(tracker_url=tracker_url),
                        identification=IdentificationSettings(
                            public_url=f"http://127.0.0.1:{port}", rasa_url=f"http://127.0.0.1:{rasa.server_port}",
                            session_secret=SECRET, test_idp=True, var_dir=workdir))
    app = create_app(settings, name=f"test_ident_{port}")
    url = settings.public_url
    running = ThreadedServer(app, port, url + "/auth/session")
    setup = prepare(settings)  # the same keys and metadata as the running app (files under workdir)
    store = IdentificationStore(make_session_factory(make_engine(settings.database_url)))
    yield {"url": url, "settings": settings, "setup": setup, "idp": TestIdentityProvider(setup.test_idp_config),
           "store": store, "workdir": workdir}
    running.stop()
    rasa.shutdown()


def hidden_inputs(page: str) -> dict:
    return {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)}


def start_login(s: requests.Session, url: str, carry: str = "no", conversation: str = "") -> str:
    answer = s.post(url + "/auth/login", data={"carry_over": carry, "conversation_id": conversation},
                    allow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["Location"]


def through_test_idp(s: requests.Session, location: str, person: int = 0) -> tuple[str, dict]:
    page = s.get(location)
    assert page.status_code == 200 and "Testitunnistus" in page.text
    login = hidden_inputs(page.text)["login"]
    form = s.post(location.split("/test-idp/")[0] + "/test-idp/sso/choose", data={"login": login, "person": person})
    action = re.search(r'action="([^"]+)"', form.text).group(1)
    return action, hidden_inputs(form.text)


def identify(s: requests.Session, url: str, carry: str = "no", conversation: str = "") -> dict:
    action, fields = through_test_idp(s, start_login(s, url, carry, conversation))
    answer = s.post(action, data=fields, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == "/?tunnistautuminen=ok", answer.text
    view = s.get(url + "/auth/session").json()
    assert view["identified"] is True
    return view


def pending(servers, s: requests.Session) -> PendingLogin:
    """Start a login and let the test's own copy of the test IdP read the request."""
    location = start_login(s, servers["url"])
    query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(location).query).items()}
    idp = servers["idp"]
    return idp.take(idp.read_request(query))


def post_response(servers, s: requests.Session, xml: str) -> requests.Response:
    return s.post(servers["url"] + "/auth/acs", data={"SAMLResponse": base64.b64encode(xml.encode()).decode()},
                  allow_redirects=False)


def other_idp_server(servers, name: str) -> Server:
    """An identity provider with the right name but keys of its own (not in our metadata)."""
    keys = self_signed_pair(servers["workdir"] / name, name, name)
    config = idp_config_dict(SamlAddresses(servers["url"]), keys, servers["workdir"] / "saml" / "sp-metadata.xml")
    return Server(config=IdPConfig().load(config))


def idp_knowing_another_sp(servers, entity_id: str) -> Server:
    """The test IdP (same keys) that also has another service provider in its metadata."""
    saml_dir = servers["workdir"] / "saml"
    keys = self_signed_pair(saml_dir, "sp", "sp")
    other = SPConfig().load(sp_config_dict(entity_id, servers["url"] + "/auth/acs", servers["url"] + "/auth/slo",
                                           keys, None))
    (saml_dir / "other-sp.xml").write_bytes(metadata_xml(other))
    config = idp_config_dict(SamlAddresses(servers["url"]), self_signed_pair(saml_dir, "test-idp", "x"),
                             saml_dir / "sp-metadata.xml")
    config["metadata"]["local"].append(str(saml_dir / "other-sp.xml"))
    return Server(config=IdPConfig().load(config))


def test_test_people_have_valid_identity_codes_of_the_test_range():
    assert identity_code("010180", "913") == "010180-913J"
    assert all(is_identity_code(p.code, allow_test_range=True) and 900 <= int(p.code[7:10]) <= 999
               for p in TEST_PEOPLE)
    assert not any(is_identity_code(p.code, allow_test_range=False) for p in TEST_PEOPLE)
    assert is_identity_code("131052-308T", allow_test_range=False)
    assert is_identity_code(identity_code("010594", "903", "Y"), allow_test_range=True)  # the new century signs
    for wrong in ("010180-913K", "<script>", identity_code("310252", "308"), "131052-308", None, 1310523080):
        assert not is_identity_code(wrong, allow_test_range=True), wrong


def test_metadata_and_session_view_before_identifying(servers):
    metadata = requests.get(servers["url"] + "/auth/metadata")
    assert "AssertionConsumerService" in metadata.text and servers["url"] + "/auth/acs" in metadata.text
    assert requests.get(servers["url"] + "/auth/session").json() == {"available": True, "identified": False}


def test_the_whole_round_trip_carries_the_conversation_over_and_sets_the_identity(servers, caplog):
    FakeRasa.received.clear()
    conversation = "a" * 32
    s = requests.Session()
    location = start_login(s, servers["url"], "yes", conversation)
    assert location.startswith(servers["url"] + "/test-idp/sso?SAMLRequest=") and "Signature=" in location
    with caplog.at_level(logging.INFO):
        view = identify(s, servers["url"], "yes", conversation)
    assert view["conversation_id"] == conversation and view["name"] == "Aino Testinen"
    assert "tunnistautunut vahvasti" in view["notice"]
    cookie = next(c for c in s.cookies if c.name == "sote_identified")
    assert cookie.path == "/auth" and cookie.has_nonstandard_attr("HttpOnly")
    (sent_to, body), = FakeRasa.received
    assert sent_to == conversation
    assert body["identity"] == {"code": TEST_PEOPLE[0].code, "name": "Aino Testinen"}
    assert "Aino Testinen" in body["notice"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "session opened" in logged and TEST_PEOPLE[0].code not in logged and "Aino" not in logged
    # the session row names whose own space it opens by the person key alone (never the code)
    with make_session_factory(make_engine(servers["settings"].database_url))() as session:
        row = session.execute(select(IdentifiedSession).where(IdentifiedSession.conversation_id == conversation)
                              ).scalar_one()
    assert row.person_key == person_key(TEST_PEOPLE[0].code, person_key_secret())
    assert TEST_PEOPLE[0].code not in str(row.__dict__)


def test_an_encrypted_assertion_is_decrypted_and_accepted(servers):
    s = requests.Session()
    xml = servers["idp"].response_for(pending(servers, s), TEST_PEOPLE[2], encrypt=True)
    assert "EncryptedAssertion" in xml and TEST_PEOPLE[2].code not in xml
    answer = post_response(servers, s, xml)
    assert answer.status_code == 303, answer.text
    assert s.get(servers["url"] + "/auth/session").json()["name"] == "Saara Esimerkki-Virtanen"


def test_without_carrying_over_a_new_conversation_is_made(servers):
    view = identify(requests.Session(), servers["url"], "no", "b" * 32)
    assert re.fullmatch(r"[0-9a-f]{32}", view["conversation_id"]) and view["conversation_id"] != "b" * 32


@pytest.fixture(scope="module")
def production_idp(servers, tmp_path_factory):
    """The web app set up as in production: the identity provider from its metadata file (the
    operator's), the service provider's own key pair, no test identity provider mounted."""
    keys = tmp_path_factory.mktemp("production-saml")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    addresses = SamlAddresses(url)
    sp_keys = self_signed_pair(keys, "sp", "sote-opastaja-sp")
    sp_alone = SPConfig().load(sp_config_dict(addresses.sp_entity_id, addresses.acs, addresses.sls, sp_keys, None))
    (keys / "sp-metadata.xml").write_bytes(metadata_xml(sp_alone))
    idp_config = IdPConfig().load(idp_config_dict(addresses, self_signed_pair(keys, "idp", "idp"),
                                                  keys / "sp-metadata.xml"))
    (keys / "idp-metadata.xml").write_bytes(metadata_xml(idp_config))
    test_settings = servers["settings"]
    settings = Settings(database_url=f"sqlite:///{keys / 'assistant.db'}", webchat_port=port,
                        privacy=test_settings.privacy,
                        identification=IdentificationSettings(
                            public_url=url, rasa_url=test_settings.identification.rasa_url, session_secret=SECRET,
                            idp_metadata=keys / "idp-metadata.xml", sp_key=sp_keys.key, sp_cert=sp_keys.cert,
                            var_dir=keys))
    running = ThreadedServer(create_app(settings, name=f"test_ident_production_{port}"), port, url + "/auth/session")
    yield {"url": url, "idp": TestIdentityProvider(idp_config)}
    running.stop()


@pytest.mark.parametrize("person, accepted", [
    (TestPerson("131052-308T", "Maija", "Meikäläinen"), True),
    (TestPerson(identity_code("010594", "903", "Y"), "Väinö", "Vuosituhat"), False),  # 903: the test range
    (TEST_PEOPLE[1], False),  # the test identity provider's own person
    (TestPerson(identity_code("310252", "308"), "Helmi", "Helmikuu"), False),  # right check character, no such day
])
def test_with_a_real_identity_provider_only_real_identity_codes_identify(production_idp, caplog, person, accepted):
    s = requests.Session()
    with caplog.at_level(logging.WARNING):
        answer = post_response(production_idp, s, production_idp["idp"].response_for(pending(production_idp, s),
                                                                                     person))
    view = s.get(production_idp["url"] + "/auth/session").json()
    if accepted:
        assert answer.status_code == 303 and view["identified"] is True and view["name"] == person.name
    else:
        assert answer.status_code == 400 and "Tunnistautuminen ei onnistunut" in answer.text
        assert view["identified"] is False and "sote_identified" not in answer.headers.get("Set-Cookie", "")
        assert "no valid national identification number" in caplog.text and person.code not in caplog.text


@pytest.mark.parametrize("case, reason", [
    ("tampered", "bad signature"), ("other_key", "bad signature"), ("wrong_audience", "wrong audience"),
    ("expired", "validity"), ("unknown_request", "no request of ours"), ("wrong_destination", "not valid"),
])
def test_bad_responses_are_refused_with_a_finnish_page_and_a_log_line(servers, caplog, case, reason):
    s = requests.Session()
    person = TEST_PEOPLE[1]
    idp = servers["idp"]
    login = pending(servers, s)
    if case == "tampered":
        xml = idp.response_for(login, person).replace("Kokeilija", "Kokeilijx")
    elif case == "other_key":
        xml = idp.response_for(login, person, server=other_idp_server(servers, "rogue-idp"))
    elif case == "wrong_audience":
        xml = idp.response_for(login, person, audience="https://toinen.example/sp", server=idp_knowing_another_sp(
            servers, "https://toinen.example/sp"))
    elif case == "expired":
        xml = idp.response_for(login, person, server=Server(config=IdPConfig().load(idp_config_dict(
            SamlAddresses(servers["url"]), self_signed_pair(servers["workdir"] / "saml", "test-idp", "x"),
            servers["workdir"] / "saml" / "sp-metadata.xml", lifetime_minutes=-10))))
    elif case == "unknown_request":
        xml = idp.response_for(PendingLogin("id-never-sent-1234", login.sp_entity_id, login.acs, ""), person)
    else:
        xml = idp.response_for(login, person, destination="https://toinen.example/acs")
    with caplog.at_level(logging.WARNING):
        answer = post_response(servers, s, xml)
    assert answer.status_code == 400
    assert "Tunnistautuminen ei onnistunut" in answer.text and "Jatka nimettömänä" in answer.text
    assert "sote_identified" not in answer.headers.get("Set-Cookie", "")
    logged = "\n".join(r.getMessage() for r in caplog.records if "identification refused" in r.getMessage())
    assert reason in logged, logged
    assert person.code not in caplog.text


def test_a_replayed_response_is_refused(servers, caplog):
    s = requests.Session()
    action, fields = through_test_idp(s, start_login(s, servers["url"]))
    assert s.post(action, data=fields, allow_redirects=False).status_code == 303
    with caplog.at_level(logging.WARNING):
        again = requests.post(action, data=fields, allow_redirects=False)
    assert again.status_code == 400 and "uudelleen" in again.text
    assert "replay" in caplog.text


def test_cancelling_at_the_identity_provider_is_told_plainly(servers):
    s = requests.Session()
    location = start_login(s, servers["url"])
    login = hidden_inputs(s.get(location).text)["login"]
    form = s.post(servers["url"] + "/test-idp/sso/choose", data={"login": login, "cancel": "1"})
    answer = s.post(servers["url"] + "/auth/acs", data=hidden_inputs(form.text), allow_redirects=False)
    assert answer.status_code == 400 and "keskeytyi" in answer.text


def test_logout_ends_the_session_clears_the_identity_and_logs_out_at_the_provider(servers):
    s = requests.Session()
    view = identify(s, servers["url"])
    FakeRasa.received.clear()
    answer = s.post(servers["url"] + "/auth/logout", allow_redirects=False)
    assert answer.status_code == 303 and "/test-idp/slo?SAMLRequest=" in answer.headers["Location"]
    back = s.get(answer.headers["Location"], allow_redirects=False)
    assert back.status_code == 303 and "/auth/slo?SAMLResponse=" in back.headers["Location"]
    done = s.get(back.headers["Location"], allow_redirects=False)
    assert done.headers["Location"] == "/?uloskirjautuminen=ok"
    (sent_to, body), = FakeRasa.received
    assert sent_to == view["conversation_id"] and body["identity"] is None and "kirjautunut ulos" in body["notice"]
    assert s.get(servers["url"] + "/auth/session").json()["identified"] is False
    claims = SessionTokens(SECRET).read(view["token"])
    assert servers["store"].active_session(claims.session_key) is None


def test_an_identified_resident_erases_their_conversation(servers):
    s = requests.Session()
    view = identify(s, servers["url"])
    conversation = view["conversation_id"]
    tracker_url = servers["settings"].privacy.tracker_url
    add_transcript(tracker_url, conversation, dt.datetime.now(dt.timezone.utc), messages=5)
    add_transcript(tracker_url, "another-resident", dt.datetime.now(dt.timezone.utc))
    sessions = servers["store"]._sessions
    with sessions() as session, session.begin():
        record_event(session, "conversation_started", conversation)
    FakeRasa.received.clear()

    answer = s.post(servers["url"] + "/auth/erase", allow_redirects=False)

    assert answer.status_code == 303 and answer.headers["Location"] == "/?poisto=ok"
    assert "another-resident" in transcript_senders(tracker_url) and conversation not in transcript_senders(tracker_url)
    with sessions() as session:
        assert session.execute(select(AnalyticsEvent)).scalars().all() == []
    assert FakeRasa.received == []  # nothing written back into the erased conversation
    assert s.get(servers["url"] + "/auth/session").json()["identified"] is False
    again = s.post(servers["url"] + "/auth/erase", data={}, allow_redirects=False,
                   cookies={"sote_identified": view["token"]})  # the old token: the session has ended
    assert again.status_code == 403 and "istunto on jo päättynyt" in again.text


def test_erasure_needs_an_identified_session(servers):
    answer = requests.post(servers["url"] + "/auth/erase", allow_redirects=False)
    assert answer.status_code == 403 and "kirjaamoon" in answer.text


# -- the login is bound to the browser that started it; other sites' pages are refused --------------

@pytest.mark.parametrize("attacker_cookie", ["none", "own_login"])
def test_a_response_posted_from_another_browser_is_refused_and_spends_nothing(servers, caplog, attacker_cookie):
    victim = requests.Session()
    action, fields = through_test_idp(victim, start_login(victim, servers["url"]))
    attacker = requests.Session()  # holds the victim's response (obtained elsewhere), posts it from its own browser
    if attacker_cookie == "own_login":
        start_login(attacker, servers["url"])
        assert attacker.cookies.get("sote_login", path="/auth/acs")  # a binding of its own, to another request
    with caplog.at_level(logging.WARNING):
        stolen = attacker.post(action, data=fields, allow_redirects=False)
    assert stolen.status_code == 400
    assert "Tunnistautuminen ei onnistunut" in stolen.text and "aloitettiin toisessa selaimessa" in stolen.text
    assert "sote_identified" not in stolen.headers.get("Set-Cookie", "")
    assert attacker.get(servers["url"] + "/auth/session").json()["identified"] is False
    logged = "\n".join(r.getMessage() for r in caplog.records if "identification refused" in r.getMessage())
    assert "browser binding cookie " + ("missing" if attacker_cookie == "none" else "does not match") in logged
    assert TEST_PEOPLE[0].code not in caplog.text
    own = victim.post(action, data=fields, allow_redirects=False)  # the browser that asked still gets in
    assert own.status_code == 303 and own.headers["Location"] == "/?tunnistautuminen=ok", own.text
    assert victim.get(servers["url"] + "/auth/session").json()["name"] == TEST_PEOPLE[0].name


def test_the_login_cookie_is_random_httponly_for_the_acs_only_and_stored_hashed(servers):
    s = requests.Session()
    start_login(s, servers["url"])
    value = s.cookies.get("sote_login", path="/auth/acs")
    cookie = next(c for c in s.cookies if c.name == "sote_login")
    assert cookie.path == "/auth/acs" and cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite") == "Lax" and not cookie.secure  # plain http (https: None+Secure)
    assert len(value) >= 40
    with servers["store"]._sessions() as session:
        stored = session.execute(select(SamlRequest.browser_binding)).scalars().all()
    assert hashlib.sha256(value.encode()).hexdigest() in stored and value not in stored
    start_login(s, servers["url"])
    assert s.cookies.get("sote_login", path="/auth/acs") != value  # a new login, a new value
    identify(s, servers["url"])
    assert "sote_login" not in [c.name for c in s.cookies]  # cleared once the login is done


OURS = "(our origin)"


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Referer": "https://evil.example/page.html"},
])
def test_login_and_erasure_sent_by_another_sites_page_are_refused(servers, caplog, headers):
    s = requests.Session()
    view = identify(s, servers["url"])
    with caplog.at_level(logging.WARNING):
        login = s.post(servers["url"] + "/auth/login", data={"carry_over": "no"}, headers=headers,
                       allow_redirects=False)
        erase = s.post(servers["url"] + "/auth/erase", headers=headers, allow_redirects=False)
    assert login.status_code == 403 and "toiselta sivustolta" in login.text
    assert "sote_login" not in login.headers.get("Set-Cookie", "")
    assert erase.status_code == 403 and "mitään ei poistettu" in erase.text
    assert s.get(servers["url"] + "/auth/session").json()["conversation_id"] == view["conversation_id"]  # not erased
    assert "login refused: sent by another site's page" in caplog.text
    assert "erasure refused: sent by another site's page" in caplog.text


@pytest.mark.parametrize("headers", [
    {"Origin": OURS}, {"Origin": "null", "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "same-origin"},
    {"Referer": OURS + "/"}, {},
])
def test_login_and_erasure_from_our_own_page_still_work(servers, headers):
    headers = {name: value.replace(OURS, servers["url"]) for name, value in headers.items()}
    s = requests.Session()
    identify(s, servers["url"])
    login = s.post(servers["url"] + "/auth/login", data={"carry_over": "no"}, headers=headers,
                   allow_redirects=False)
    assert login.status_code == 303 and "/test-idp/sso?SAMLRequest=" in login.headers["Location"]
    erase = s.post(servers["url"] + "/auth/erase", headers=headers, allow_redirects=False)
    assert erase.status_code == 303 and erase.headers["Location"] == "/?poisto=ok"


# -- the socket.io channel ----------------------------------------------------------------------------

class RoomSocketServer(FakeSocketServer):
    def __init__(self):
        super().__init__()
        self.left = []

    async def leave_room(self, sid, room):
        self.left.append((sid, room))


@pytest.fixture()
def channel(servers, monkeypatch):
    sio = RoomSocketServer()
    monkeypatch.setattr("bot.channels.webchat.AsyncServer", lambda **kwargs: sio)
    received = []

    async def on_new_message(message):
        received.append(message)

    access = IdentifiedAccess(lambda: (servers["store"], SessionTokens(SECRET)))
    WebchatInput(access=access).blueprint(on_new_message)
    return sio, received


def ask(sio, sid, conversation, token=None):
    asyncio.run(sio.handlers["session_request"](sid, {"session_id": conversation, "token": token}))
    return [(event, data) for event, data, room in sio.emitted if room == sid]


def test_a_bound_conversation_opens_only_with_its_valid_token(servers, channel, caplog):
    sio, received = channel
    view = identify(requests.Session(), servers["url"])
    other = identify(requests.Session(), servers["url"])
    conversation = view["conversation_id"]
    assert ask(sio, "ok", conversation, view["token"])[-1] == ("session_confirm", conversation)
    asyncio.run(sio.handlers["user_uttered"]("ok", {"message": "hei"}))
    assert received[-1].sender_id == conversation
    expired = SessionTokens(SECRET).issue(SessionTokens(SECRET).read(view["token"]).session_key, conversation,
                                          dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    with caplog.at_level(logging.WARNING):
        for sid, token in (("none", None), ("garbage", "not.a.token"), ("other", other["token"]),
                           ("expired", expired), ("forged", SessionTokens(Secret("wrong" * 10)).issue(
                               "k", conversation, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)))):
            events = ask(sio, sid, conversation, token)
            confirmed = [data for event, data in events if event == "session_confirm"]
            assert confirmed and confirmed[-1] != conversation, sid
            assert events[-1][0] == "session_notice" and "uuden, nimettömän keskustelun" in events[-1][1]["text"]
    assert "refused at resume" in caplog.text and conversation not in caplog.text
    assert "token of another conversation" in caplog.text and "token expired" in caplog.text


def test_a_socket_without_the_token_can_neither_write_nor_read_along(servers, channel):
    sio, received = channel
    conversation = "c" * 32
    assert ask(sio, "anonymous-tab", conversation)[-1] == ("session_confirm", conversation)  # not bound yet
    view = identify(requests.Session(), servers["url"], "yes", conversation)
    ask(sio, "identified", conversation, view["token"])
    assert ("anonymous-tab", conversation) in sio.left  # moved out of the room: no bot replies reach it
    asyncio.run(sio.handlers["user_uttered"]("anonymous-tab", {"message": "kuka olen"}))
    assert all(m.sender_id != conversation for m in received)


def test_after_logout_or_expiry_the_token_opens_nothing(servers, channel):
    sio, received = channel
    s = requests.Session()
    view = identify(s, servers["url"])
    conversation = view["conversation_id"]
    ask(sio, "tab", conversation, view["token"])
    s.post(servers["url"] + "/auth/logout", allow_redirects=False)
    asyncio.run(sio.handlers["user_uttered"]("tab", {"message": "vielä yksi asia"}))
    assert not [m for m in received if m.sender_id == conversation]
    assert sio.emitted[-1][0] == "session_notice" and "viestiäsi ei välitetty" in sio.emitted[-1][1]["text"]
    assert ask(sio, "tab-2", conversation, view["token"])[-1][0] == "session_notice"
    later = IdentificationStore(servers["store"]._sessions,
                                clock=lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2))
    fresh = identify(requests.Session(), servers["url"])
    assert later.active_session(SessionTokens(SECRET).read(fresh["token"]).session_key) is None  # 60 min sessions


def test_the_rest_channel_also_needs_the_token_of_an_identified_conversation(servers, caplog):
    from types import SimpleNamespace

    from sanic.exceptions import Forbidden

    from bot.channels.rest import GuardedRestInput

    rest = GuardedRestInput(IdentifiedAccess(lambda: (servers["store"], SessionTokens(SECRET))))
    view = identify(requests.Session(), servers["url"])
    conversation = view["conversation_id"]

    def request(sender, authorization=None):
        return SimpleNamespace(json={"sender": sender, "message": "hei"},
                               headers={"authorization": authorization} if authorization else {})

    assert asyncio.run(rest._extract_sender(request("f" * 32))) == "f" * 32  # anonymous: as before
    assert asyncio.run(rest._extract_sender(request(conversation, f"Bearer {view['token']}"))) == conversation
    with caplog.at_level(logging.WARNING):
        for authorization in (None, "Bearer not.a.token", f"Basic {view['token']}"):
            with pytest.raises(Forbidden):
                asyncio.run(rest._extract_sender(request(conversation, authorization)))
    assert "refused at rest" in caplog.text and conversation not in caplog.text
