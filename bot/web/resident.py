"""The residents' door: the web chat page and its settings."""
from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request

from bot.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def resident_blueprint(settings: Settings) -> Blueprint:
    """Serves the chat page; the page talks to Rasa's socket.io channel directly."""
    blueprint = Blueprint("resident")
    blueprint.static("/static", str(STATIC_DIR), name="static")

    @blueprint.get("/")
    async def index(_: Request) -> response.HTTPResponse:
        return await response.file(STATIC_DIR / "index.html", headers=_security_headers())

    @blueprint.get("/favicon.ico")
    async def favicon(_: Request) -> response.HTTPResponse:
        return response.empty()

    @blueprint.get("/chat-config.json")
    async def chat_config(_: Request) -> response.HTTPResponse:
        return response.json({"socket_url": settings.public_socket_url, "socket_path": "/socket.io"})

    return blueprint


def _security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                    "connect-src 'self' ws: wss: http: https:; img-src 'self'; "
                                    "frame-ancestors 'self'; base-uri 'none'; form-action 'self'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
