"""The residents' door: the web chat page and its settings."""
from __future__ import annotations

from pathlib import Path

from sanic import response
from sanic.request import Request

from guidance_library.models import GuidanceLibrary

from bot.blocking import blocking
from bot.web.routes import Door, Route
from bot.web.runtime import runtime_of

STATIC_DIR = Path(__file__).resolve().parent / "static"


async def index(_: Request) -> response.HTTPResponse:
    """The chat page; the page talks to Rasa's socket.io channel directly."""
    return await response.file(STATIC_DIR / "index.html", headers=_security_headers())


async def favicon(_: Request) -> response.HTTPResponse:
    return response.empty()


async def chat_config(request: Request) -> response.HTTPResponse:
    """Where the socket is, and the numbers the page keeps showing while it is offline."""
    runtime = runtime_of(request)
    library = await blocking(runtime.library)
    return response.json({"socket_url": runtime.settings.public_socket_url, "socket_path": "/socket.io",
                          "offline_calls": offline_calls(library)})


OFFLINE_CONTACTS = ("emergency", "paivystysapu", "client_guidance")  # 112, 116117, the region's own number


def offline_calls(library: GuidanceLibrary) -> list[dict[str, str]]:
    """The numbers a resident needs when the chat cannot answer: {label, number, hours?}, in this order."""
    calls = []
    for key in OFFLINE_CONTACTS:
        contact = library.contact(key)
        if contact is not None and contact.phone:
            calls.append({"label": contact.name, "number": contact.phone, **({"hours": contact.hours}
                                                                            if contact.hours else {})})
    return calls


def _security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                    "connect-src 'self' ws: wss: http: https:; img-src 'self'; "
                                    "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


RESIDENT = Door("resident", "", routes=(
    Route("GET", "/", index),
    Route("GET", "/favicon.ico", favicon),
    Route("GET", "/chat-config.json", chat_config),
), static=(("/static", str(STATIC_DIR)),))
