"""End to end through the REST channel: trained model, Rasa server and actions server."""
from __future__ import annotations

import re
import shutil
import time
import urllib.error
import urllib.request
import uuid

import pytest

from bench.stack import Stack
from tests.conftest import PROJECT_DIR
from tests.helpers import hang_up

MODEL = PROJECT_DIR / "models" / "assistant.tar.gz"
pytestmark = [pytest.mark.model,
              pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run scripts/train (scripts/test does)")]


METRICS_TOKEN = "metrics-test-token-0123456789"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("stack")
    library_dir = workdir / "paths"
    shutil.copytree(PROJECT_DIR / "guidance_library" / "paths", library_dir)
    running = Stack(MODEL, workdir=workdir, extra_env={"GUIDANCE_LIBRARY_DIR": str(library_dir),
                                                       "ASSISTANT_METRICS_TOKEN": METRICS_TOKEN}).start()
    running.library_dir = library_dir  # type: ignore[attr-defined]
    yield running
    running.stop()


def sender() -> str:
    return uuid.uuid4().hex


def customs(replies):
    return [r["custom"] for r in replies if r.get("custom")]


def test_a_guidance_question_is_answered_with_the_path_and_its_topic(stack):
    replies = stack.say(sender(), "miten varaan aikuisena ajan hammaslääkärille")
    presented = [c for c in customs(replies) if "path_id" in c]
    assert presented and presented[0]["path_id"] == "hammashoito-ajanvaraus"
    assert presented[0]["topic"] == "hammashoito-ajanvaraus"
    assert any(r.get("text") == "Oliko tästä apua?" for r in replies)


def test_parse_returns_the_guidance_ranking(stack):
    result = stack.parse("omaishoidon tuen hakeminen")
    ranking = result["guidance_ranking"]
    assert 1 <= len(ranking) <= 10
    assert set(ranking[0]) == {"id", "topic", "score"}
    assert ranking[0]["id"] == "omaishoidon-tuki"
    assert [r["score"] for r in ranking] == sorted((r["score"] for r in ranking), reverse=True)


def test_an_emergency_is_answered_at_once_even_mid_conversation(stack):
    resident = sender()
    stack.say(resident, "mistä saan apua unettomuuteen")
    replies = stack.say(resident, "mulla on kova rintakipu ja puristaa")
    first = customs(replies)[0]
    assert first["emergency"] is True and first["category"] == "chest_pain"
    assert first["calls"][0] == {"label": "Hätänumero", "number": "112"}
    assert "112" in replies[0]["text"]
    assert not [c for c in customs(replies) if "path_id" in c]


def test_the_greeting_tells_about_privacy(stack):
    replies = stack.say(sender(), "/greet")
    assert any("henkilötunnustasi" in r.get("text", "") for r in replies)


def test_off_topic_questions_get_no_health_path(stack):
    for question in ("millainen sää on huomenna", "miten teen veroilmoituksen"):
        replies = stack.say(sender(), question)
        assert not [c for c in customs(replies) if "path_id" in c], question


def test_feedback_button_is_thanked(stack):
    resident = sender()
    stack.say(resident, "miten varaan itselleni ajan hammaslaakarille")
    replies = stack.say(resident, '/feedback{"helpful": "yes", "path_id": "hammashoito-ajanvaraus"}')
    assert "Kiitos palautteesta" in replies[0]["text"]


def test_a_library_edit_reaches_the_running_server_without_retraining(stack):
    path_file = stack.library_dir / "omahoito" / "flunssa.yml"
    text = path_file.read_text(encoding="utf-8")
    path_file.write_text(text.replace("title: ", "title: Muokattu ", 1), encoding="utf-8")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        replies = stack.say(sender(), '/choose_path{"path_id": "flunssa"}')
        if replies and replies[0].get("text", "").startswith("Muokattu "):
            break
        stack.parse("flunssa")  # each parse lets the ranker notice the change too
        time.sleep(1)
    assert replies[0]["text"].startswith("Muokattu ")


def test_the_web_chat_socket_answers_with_text_buttons_and_path_in_one_event(stack):
    import asyncio

    import socketio

    async def converse() -> tuple[str, list[dict]]:
        client = socketio.AsyncClient()
        received: list[dict] = []
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        client.on("session_confirm", lambda session_id: confirmed.set_result(session_id))
        client.on("bot_uttered", lambda data: received.append(data))
        # polling: the pinned aiohttp (Rasa's pin) is too old for this client's websocket transport
        await client.connect(stack.url, socketio_path="/socket.io", transports=["polling"])
        await client.emit("session_request", {"session_id": None})
        session_id = await asyncio.wait_for(confirmed, 10)
        await client.emit("user_uttered", {"message": "miten varaan aikuisena ajan hammaslääkärille", "session_id": session_id})
        for _ in range(300):  # the answer and the feedback question
            if len(received) >= 2:
                break
            await asyncio.sleep(0.1)
        await hang_up(client)
        return session_id, received

    session_id, received = asyncio.run(converse())
    assert len(session_id) == 32
    answer = received[0]
    assert answer["custom"]["path_id"] == "hammashoito-ajanvaraus"
    assert "\n\n" in answer["text"]  # the whole answer in one event, not split into pieces
    assert received[1]["text"] == "Oliko tästä apua?" and len(received[1]["buttons"]) == 2


def _all_text(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_assessment_in_free_text_survives_an_emergency_and_a_question_in_the_middle(stack):
    resident = sender()
    replies = stack.say(resident, "haluan tehdä mielialatestin")
    assert "1/9." in replies[-1]["text"]
    stack.say(resident, "en kertaakaan")
    replies = stack.say(resident, "mulla on kova rintakipu ja puristaa")
    assert customs(replies)[0]["emergency"] is True and "112" in replies[0]["text"]
    replies = stack.say(resident, "ehkä pari kertaa")            # answers item 2, the questionnaire went on
    assert "3/9." in replies[-1]["text"]
    replies = stack.say(resident, "mistä saan ajan hammaslääkärille, hammas on lohjennut ja vihloo")
    offered = [c.get("path_id", "") for c in customs(replies)] + \
        [b["payload"] for r in replies[:-1] for b in r.get("buttons") or []]
    assert any("hammas" in o for o in offered), replies  # answered, or asked back with dental paths
    assert "Jatketaan kyselyä" in replies[-1]["text"] and "3/9." in replies[-1]["text"]
    for text in ["melkein joka päivä", "2", "ei lainkaan", "useana päivänä", "ei", "ei ollenkaan"]:
        replies = stack.say(resident, text)
    assert "9/9." in replies[-1]["text"]
    replies = stack.say(resident, "ei kertaakaan")
    assert "Tuloksesi: 7/27" in _all_text(replies) and "ei ole diagnoosi" in _all_text(replies)
    assert any(c.get("path_id") == "masennus-omahoito" for c in customs(replies))


def test_assessment_item_9_gives_crisis_guidance_and_urgent_contact_offer(stack):
    resident = sender()
    stack.say(resident, '/start_assessment{"instrument": "phq9"}')
    for _ in range(8):
        stack.say(resident, '/assessment_answer{"points": "0"}')
    replies = stack.say(resident, "useana päivänä")
    assert customs(replies)[0]["emergency"] is True and "09 2525 0111" in replies[0]["text"]
    assert [b["title"] for b in replies[-1]["buttons"]][0] == "Tarvitsen apua pian"
    replies = stack.say(resident, "tarvitsen apua pian")
    assert "Haluatko kertoa" in replies[-1]["text"]   # the contact form goes on with the result pre-filled
    stack.say(resident, "ohita")
    stack.say(resident, "040 123 4567")
    replies = stack.say(resident, "milloin vain")
    assert "PHQ-9" in _all_text(replies) and "itsetuhoon" in _all_text(replies)
    replies = stack.say(resident, "kyllä")
    [request] = [c["contact_request"] for c in customs(replies) if "contact_request" in c]
    assert request["urgency"] == "urgent" and request["reference"] in _all_text(replies)


def test_contact_request_by_free_text_then_its_status_by_reference(stack):
    resident = sender()
    replies = stack.say(resident, "voisiko joku soittaa minulle")
    assert "Mitä asiasi koskee?" in replies[-1]["text"]
    stack.say(resident, "sosiaalipalveluista")
    stack.say(resident, "mun oma asia")
    stack.say(resident, "Tarvitsisin apua toimeentulotuen hakemisessa, kun rahat ei riitä vuokraan")
    stack.say(resident, "ei kiirettä")
    replies = stack.say(resident, "0401234567")
    assert "Milloin sinut tavoittaa" in replies[-1]["text"]
    stack.say(resident, "aamupäivällä")
    replies = stack.say(resident, "kyllä")
    [request] = [c["contact_request"] for c in customs(replies) if "contact_request" in c]
    assert request["urgency"] == "normal"
    replies = stack.say(sender(), f"mikä on pyyntöni {request['reference']} tilanne")  # someone else
    assert "neljä viimeistä" in _all_text(replies)
    replies = stack.say(resident, f"mikä on pyyntöni {request['reference']} tilanne")
    assert "vastaanotettu" in _all_text(replies)


def test_assessment_can_be_stopped_and_the_bot_answers_normally_again(stack):
    resident = sender()
    stack.say(resident, "alkoholitesti")
    replies = stack.say(resident, "lopeta")
    assert "lopetetaan" in _all_text(replies)
    replies = stack.say(resident, "miten varaan itselleni ajan hammaslaakarille")
    offered = [c.get("path_id", "") for c in customs(replies)] + \
        [b["payload"] for r in replies for b in r.get("buttons") or []]
    assert any("hammashoito-ajanvaraus" in o for o in offered), replies  # answered, or asked back with it


# -- the safety net through the real servers (issue 14) ----------------------------------------------------
ISSUE_14_MESSAGES = [
    ("otin äsken 25 buranaa", "poisoning"),
    ("Ajattelen itsemurhaa, onko terapia mahdollista", "suicide"),
    ("Äiti ei hengitä, tarvitsen tietoa", None),
    ("Minulla on rintakipu nyt, tarvitsen ohjeita", "chest_pain"),
    ("en jaksa herätä enää huomiseen", "suicide"),
]


@pytest.mark.parametrize("message, category", ISSUE_14_MESSAGES)
def test_every_message_quoted_in_issue_14_gets_the_emergency_answer(stack, message, category):
    replies = stack.say(sender(), message)
    first = customs(replies)[0]
    assert first["emergency"] is True, (message, replies)
    assert category is None or first["category"] == category
    assert "112" in [c["number"] for c in first["calls"]]
    assert not any("Tähän en valitettavasti osaa vastata" in (r.get("text") or "") for r in replies)
    assert not any(r.get("text") == "Haluan varmistaa, että ymmärsin oikein. Tarkoititko jotakin näistä? Voit myös "
                   "kertoa asiasi toisin sanoin." for r in replies)


def test_the_parse_carries_the_safety_verdict(stack):
    verdict = stack.parse("otin äsken 25 buranaa")["safety"]
    assert verdict["tier"] == "emergency" and "poisoning" in verdict["layers"]
    calm = stack.parse("miten varaan ajan hammaslääkärille")["safety"]
    assert calm["tier"] == "none" and 0 <= calm["score"] < 0.5


def test_the_safety_question_then_safe_answers_the_question_asked(stack):
    resident = sender()
    message = "mulla oli itsetuhoisia ajatuksia pari vuotta sitten, miten pääsen terapiaan"
    assert stack.parse(message)["safety"]["tier"] == "uncertain"
    replies = stack.say(resident, message)
    question = replies[0]
    assert "vaarassa" in question["text"] and "112" in question["text"]
    assert [b["payload"] for b in question["buttons"]][1] == "/safety_ok"
    replies = stack.say(resident, "/safety_ok")
    assert "kukaan ei ole vaarassa" in replies[0]["text"]
    assert [c for c in customs(replies) if "path_id" in c] or any(r.get("buttons") for r in replies[1:])


def test_yes_to_the_safety_question_gives_the_emergency_answer(stack):
    resident = sender()
    replies = stack.say(resident, "mulla oli itsetuhoisia ajatuksia pari vuotta sitten, miten pääsen terapiaan")
    yes = replies[0]["buttons"][0]["payload"]
    replies = stack.say(resident, yes)
    assert customs(replies)[0]["emergency"] is True and customs(replies)[0]["category"] == "suicide"


def test_the_safety_question_in_a_self_assessment_then_the_same_item_again(stack):
    resident = sender()
    stack.say(resident, "haluan tehdä mielialatestin")
    replies = stack.say(resident, "en kertaakaan")
    asked = replies[-1]["text"]
    assert "2/9." in asked
    replies = stack.say(resident, "mulla oli itsetuhoisia ajatuksia pari vuotta sitten")
    assert "vaarassa" in replies[0]["text"]
    replies = stack.say(resident, "/safety_ok")
    assert "2/9." in replies[-1]["text"] and "Jatketaan" in replies[-1]["text"]


# --- Bounded input and closed doors (issue 15, findings 1 and 3) ------------------------------------------

def _status_of(url: str, payload: dict | None = None, method: str | None = None,
               headers: dict | None = None) -> int:
    import json
    import urllib.error
    import urllib.request

    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json", **(headers or {})},
                                     method=method or ("POST" if data is not None else "GET"))
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_huge_rest_message_is_cut_to_the_limit_before_the_nlu_and_the_tracker(stack):
    from bot.constants import MAX_MESSAGE_CHARS

    resident = sender()
    huge = "otin äsken 25 buranaa " + "ja " * 100_000  # 300,000 characters; the danger is at the start
    replies = stack.say(resident, huge)
    assert customs(replies)[0]["emergency"] is True  # answered, and still as the emergency it is
    said = [e["text"] for e in stack.tracker(resident)["events"] if e.get("event") == "user"]
    assert len(said[-1]) <= MAX_MESSAGE_CHARS and said[-1].startswith("otin äsken 25 buranaa")
    assert stack.say(resident, "kiitos")  # the server is still there


def test_parse_cuts_the_text_to_the_limit(stack):
    from bot.constants import MAX_MESSAGE_CHARS

    result = stack.parse("hammashoito ajanvaraus " * 20_000)
    assert len(result["text"]) <= MAX_MESSAGE_CHARS
    assert result["guidance_ranking"]


def test_the_http_api_answers_nobody_without_the_token(stack):
    resident = sender()
    stack.say(resident, "hei")
    for path, payload, method in [(f"/conversations/{resident}/tracker", None, None),
                                  ("/model/parse", {"text": "hei"}, None),
                                  (f"/conversations/{resident}/tracker/events",
                                   [{"event": "slot", "name": "handoff", "value": {"status": "taken"}}], None),
                                  (f"/conversations/{resident}/messages", {"text": "x", "sender": "user"}, None),
                                  ("/model", {"model_file": "/tmp/x.tar.gz"}, "PUT"),
                                  ("/model/train", {}, None)]:
        assert _status_of(stack.url + path, payload, method) == 401, path
        assert _status_of(stack.url + path + "?token=wrong", payload, method) == 401, path
    assert _status_of(stack.api(f"/conversations/{resident}/tracker")) == 200  # the token opens it


def test_the_relay_sets_the_identity_only_with_the_internal_token(stack):
    from bot.handoff import RELAY_PREFIX, TOKEN_HEADER, HandoffSettings

    resident = sender()
    stack.say(resident, "hei")
    url = stack.url + RELAY_PREFIX + "/identity"
    body = {"conversation_id": resident, "identity": {"code": "131052-308T", "name": "Testi"}, "notice": "Tunnistettu."}
    assert _status_of(url, body) == 401
    assert _status_of(url, body, headers={TOKEN_HEADER: "wrong"}) == 401
    assert "identity" not in {k for k, v in stack.tracker(resident)["slots"].items() if v}
    assert _status_of(url, body, headers={TOKEN_HEADER: HandoffSettings.from_env().token()}) == 200
    assert stack.tracker(resident)["slots"]["identity"] == {"code": "131052-308T", "name": "Testi"}
    assert _status_of(url, {**body, "identity": {"code": "x", "role": "admin"}},
                      headers={TOKEN_HEADER: HandoffSettings.from_env().token()}) == 422


def test_a_body_beyond_the_server_s_limit_is_refused_unread(stack):
    from bot.constants import MAX_RASA_REQUEST_BYTES

    payload = {"sender": sender(), "message": "a" * (MAX_RASA_REQUEST_BYTES + 10)}
    assert _status_of(stack.url + "/webhooks/rest/webhook", payload) == 413
    assert stack.say(sender(), "hei")  # and the server answers the next resident


def test_a_socket_packet_nested_too_deeply_is_dropped_without_a_traceback(stack):
    """Raw engine.io long-polling, as any client could send it: the nested packet is dropped with a
    log line, the socket and its conversation go on."""
    import json
    import urllib.request

    def poll(url: str, body: str | None = None) -> str:
        data = body.encode() if body is not None else None
        request = urllib.request.Request(url, data, {"Content-Type": "text/plain;charset=UTF-8"},
                                         method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.read().decode()

    base = stack.url + "/socket.io/?EIO=4&transport=polling"
    url = base + "&sid=" + json.loads(poll(base)[1:])["sid"]
    poll(url, "40")
    assert poll(url).startswith("40")
    poll(url, '42["session_request",{"session_id":null}]')
    assert "session_confirm" in poll(url)
    depth = 20_000
    poll(url, '42["user_uttered",' + "[" * depth + "]" * depth + "]")
    for odd in ('42["user_uttered","x"]', '42["user_uttered"]', '42["user_uttered",{"message":5}]',
                '42["user_uttered",{"message":', '42["session_request",[1]]'):  # wrong shapes, broken JSON
        poll(url, odd)
    poll(url, '42["user_uttered",{"message":"hei"}]')
    received = ""
    for _ in range(5):
        received += poll(url)
        if "bot_uttered" in received:
            break
    assert "bot_uttered" in received
    log = next(stack.workdir.glob(f"stack-{stack.rasa_port}.log")).read_text(encoding="utf-8", errors="replace")
    assert "nested too deeply" in log and "RecursionError" not in log
    assert "not JSON was dropped" in log and "handler error" not in log


def test_the_rest_channel_answers_400_to_a_body_of_the_wrong_shape(stack):
    for body in ([1], {"sender": "x", "message": {"text": "hei"}}, {"sender": 5, "message": "hei"},
                 {"sender": "x" * 200, "message": "hei"}):
        assert _status_of(stack.url + "/webhooks/rest/webhook", body) == 400, body
    assert stack.say(sender(), "hei")


def _offered(replies) -> list[str]:
    import json

    return [json.loads(b["payload"][len("/choose_path"):])["path_id"] for r in replies for b in r.get("buttons") or []
            if str(b.get("payload", "")).startswith("/choose_path")]


def _shown(replies) -> list[str]:
    return [c["path_id"] for c in customs(replies) if "path_id" in c]


# Every conversation quoted in issue 16, with the answer a resident should get (the last turn).
ISSUE_16 = [
    (["hammasta särkee"], ["hammassarky-kiireellinen"]),                         # the adult's, not the child's
    (["miten saan ajan hammashoitoon"], ["hammashoito-ajanvaraus"]),              # no question back about children
    (["miten saan ajan hammashoitoon", "mitä se maksaa?"], ["hammashoito-ajanvaraus-maksut"]),
    (["hammasproteesi on rikki", "miten puhdistan proteesin"], ["hammasproteesit-puhdistus"]),
    (["miten uusin reseptin", "se hylättiin"], ["reseptin-uusiminen-hylatty"]),
    (["miten saan ajan hammashoitoon", "entä lapselle?"], ["lasten-hammashoito"]),
    (["miten pääsen fysioterapiaan", "hän on 85"], ["fysioterapia-ikaantyneet"]),
    # not the path just read again when the follow-up names another facet (8 Dec 2026)
    (["miten haen sairauspäivärahaa?", "entä jos kela hylkää sen?"], ["kela-etuudet-muutoksenhaku"]),
    # a week of pregnancy is no age: the path for a pregnant resident, not one for a child of ten
    (["miten tupakoinnin voi lopettaa?", "olen viikolla 10 raskaana"], ["tupakka-ja-nikotiini-raskaus"]),
]


@pytest.mark.parametrize("turns, right", ISSUE_16)
def test_the_conversations_quoted_in_issue_16_get_the_right_path(stack, turns, right):
    resident = sender()
    for turn in turns:
        replies = stack.say(resident, turn)
    assert _shown(replies)[:1] == right, replies


def test_a_follow_up_about_an_application_is_never_not_found(stack):
    resident = sender()
    for turn in ["tarvitsen kuljetuspalvelun", "kauanko hakemuksen käsittely kestää", "ok, entä jos se hylätään?"]:
        replies = stack.say(resident, turn)
    acceptable = {"vammaispalvelut-hakemus-ja-paatos", "potilas-ja-sosiaaliasiamies-muutoksenhaku"}
    assert acceptable & set(_shown(replies)[:1] + _offered(replies)), replies
    assert not any("En valitettavasti löytänyt" in (r.get("text") or "") for r in replies)


def test_ordering_a_ride_after_the_transport_path_is_no_status_check(stack):
    resident = sender()
    stack.say(resident, "tarvitsen kuljetuspalvelun")
    replies = stack.say(resident, "miten tilaan matkan?")
    assert _shown(replies)[:1] == ["kuljetuspalvelu-tilaaminen"] or "kuljetuspalvelu-tilaaminen" in _offered(replies)
    assert not any("viite" in (r.get("text") or "").lower() for r in replies)


def test_asking_for_a_test_when_low_offers_the_mood_assessment_first(stack):
    replies = stack.say(sender(), "oon ollu tosi alakuloinen, voisinko tehdä jonkun testin")
    assert any(str(b.get("payload", "")).startswith("/start_assessment") for b in replies[0].get("buttons") or [])


def test_a_follow_up_the_classifier_is_unsure_about_is_answered_with_the_112_line(stack):
    follow_up = "mulla on vanha auto, vaikuttaako se?"
    assert stack.parse(follow_up)["safety"]["tier"] == "uncertain"  # alone, the classifier would ask about danger
    resident = sender()
    stack.say(resident, "aion hakea toimeentulotukea")
    replies = stack.say(resident, follow_up)
    assert not any("oletko sinä tai joku muu nyt vaarassa" in (r.get("text") or "") for r in replies)
    assert replies[0]["text"] == "Jos sinä tai joku muu on nyt vaarassa, soita heti 112."
    assert _shown(replies)[:1] and _shown(replies)[0].startswith("toimeentulotuki")


def _metrics(url: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_both_servers_count_turns_actions_and_emergencies_for_the_metrics_token_only(stack):
    resident = sender()
    stack.say(resident, "mistä saan apua unettomuuteen")
    stack.say(resident, "isä ei hengitä")
    rasa_metrics = f"{stack.url}/webhooks/webchat/metrics"
    actions_metrics = f"http://127.0.0.1:{stack.actions_port}/metrics"
    for url in (rasa_metrics, actions_metrics):
        for token in (None, "wrong", METRICS_TOKEN + "x"):
            status, body = _metrics(url, token)
            assert status == 401 and "sote_" not in body
    status, rasa = _metrics(rasa_metrics, METRICS_TOKEN)
    assert status == 200
    turns = re.search(r'^sote_replies_total\{door="rest",process="rasa"\} (\d+)', rasa, re.MULTILINE)
    assert turns and int(float(turns.group(1))) >= 2
    assert re.search(r'^sote_reply_seconds_count\{door="rest",process="rasa"\} [1-9]', rasa, re.MULTILINE)
    status, actions = _metrics(actions_metrics, METRICS_TOKEN)
    assert status == 200
    assert re.search(r'^sote_emergencies_total\{category="\w+",process="actions"\} [1-9]', actions, re.MULTILINE)
    assert re.search(r'^sote_replies_total\{door="action_guidance",process="actions"\} [1-9]', actions, re.MULTILINE)
