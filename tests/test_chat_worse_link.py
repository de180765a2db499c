"""A link to the chat with `?omahoito=huonompi&ohjelma=<id>` (Omat asiat's "Tilanteeni on huonompi", or any
site's copy of it) sends nothing by itself: the chat shows a button the resident presses, named by the
programme's title when the resident's own space knows it, so a half-filled contact form is not wiped."""
from __future__ import annotations

import re
from pathlib import Path

CHAT_JS = Path(__file__).resolve().parent.parent / "bot" / "web" / "static" / "chat.js"


def _function(script: str, name: str) -> str:
    start = script.index(f"function {name}(")
    end = script.index("\n  }\n", start)
    return script[start:end]


def test_the_worse_link_offers_a_button_and_sends_nothing_by_itself() -> None:
    script = CHAT_JS.read_text(encoding="utf-8")
    confirm = script[script.index('socket.on("session_confirm"'):script.index('socket.on("bot_uttered"')]
    assert "offerWorse(worseProgramme)" in confirm
    assert "programme_worse" not in confirm and not re.search(r"\bsend\(", confirm.split("offerWorse")[1])
    offer = _function(script, "offerWorse")
    assert "buttons: [{ title: WORSE_SHOWN, payload: payload }]" in offer and "send(" not in offer
    assert 'fetch("/auth/own/summary"' in offer and "p.programme === programme" in offer  # the title if known
    assert 'var WORSE_SHOWN = "Tilanteeni on huonompi"' in script
    assert "innerHTML" not in offer  # the title is shown as text
