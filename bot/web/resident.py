"""The residents' door: the web chat page and its settings, the embedded chat the launcher frames on
the region's own sites (/upotus, docs/embedding.md), and the accessibility statement and privacy notice."""
from __future__ import annotations

import html
from pathlib import Path

from sanic import response
from sanic.request import Request

from guidance_library.models import GuidanceLibrary

from bot.blocking import blocking
from bot.web.public_pages import render_page
from bot.web.routes import Door, Route
from bot.web.runtime import runtime_of

STATIC_DIR = Path(__file__).resolve().parent / "static"
EMBED_PATH = "/upotus"
HOST_PARAM = "isanta"  # the framing page's origin, given by launcher.js: /upotus?isanta=https://www.alue.fi
BRIDGE_SCRIPT = '<script src="/static/embed-bridge.js"></script>'
STORAGE_SCRIPT = '<script src="/static/embed-storage.js"></script>'  # before the chat's own scripts
ANONYMOUS_SCRIPT = '<script src="/static/embed-anonymous.js"></script>'  # ditto: no cookies on /auth/
# files a region's own pages load from another origin: cacheable a short while, never sniffed
CROSS_ORIGIN_ASSETS = ("/static/launcher.js", "/static/launcher.css")


async def index(_: Request) -> response.HTTPResponse:
    """The chat page; the page talks to Rasa's socket.io channel directly."""
    return await response.file(STATIC_DIR / "index.html", headers=_security_headers())


async def embedded(request: Request) -> response.HTTPResponse:
    """The chat page for the launcher's frame: the same page with embed-storage.js (page-long storage
    where the browser denies the frame storage) and embed-anonymous.js (the frame stays anonymous: its
    /auth/ requests carry no cookies) before its scripts and embed-bridge.js after them, and,
    when the framing page's origin is one of the configured embed origins, that origin for the bridge to
    post its content-free signals to. Only those origins may frame it (frame-ancestors)."""
    settings = runtime_of(request).settings
    page = await blocking((STATIC_DIR / "index.html").read_text, encoding="utf-8")
    host = request.args.get(HOST_PARAM) or ""
    meta = (f'<meta name="sote-chat-host" content="{html.escape(host, quote=True)}">'
            if host in settings.embed_origins else "")
    page = _insert_before(page, "</head>", meta) if meta else page
    page = _insert_before(page, "<script", STORAGE_SCRIPT + "\n" + ANONYMOUS_SCRIPT, first=True)
    page = _insert_before(page, "</body>", BRIDGE_SCRIPT)
    return response.html(page, headers=_security_headers(settings.embed_origins))


def _insert_before(page: str, tag: str, addition: str, first: bool = False) -> str:
    """`addition` before the last `tag` of the page (the first with `first`); at the end without one."""
    at = page.find(tag) if first else page.rfind(tag)
    return page + addition + "\n" if at < 0 else page[:at] + addition + "\n" + page[at:]


async def accessibility_statement(request: Request) -> response.HTTPResponse:
    return await _public_page(request, "accessibility")


async def privacy_notice(request: Request) -> response.HTTPResponse:
    return await _public_page(request, "privacy")


async def _public_page(request: Request, key: str) -> response.HTTPResponse:
    runtime = runtime_of(request)
    library = await blocking(runtime.library)
    page = await blocking(render_page, key, library, runtime.settings)
    return response.html(page, headers=_security_headers())


async def asset_headers(request: Request, answer: response.HTTPResponse) -> None:
    """The launcher's files are loaded by the region's pages (another origin) with a plain script or
    link tag: no CORS, a short cache (a new version reaches every site within minutes), no sniffing,
    and the resource policy that lets pages isolated with COEP load them."""
    if request.path in CROSS_ORIGIN_ASSETS and answer.status == 200:
        answer.headers["X-Content-Type-Options"] = "nosniff"
        answer.headers["Cache-Control"] = "public, max-age=300"
        answer.headers["Cross-Origin-Resource-Policy"] = "cross-origin"


async def favicon(_: Request) -> response.HTTPResponse:
    return response.empty()


async def chat_config(request: Request) -> response.HTTPResponse:
    """Where the socket is, how long a message may wait for its acknowledgement, and the numbers the
    page keeps showing while it is offline."""
    runtime = runtime_of(request)
    library = await blocking(runtime.library)
    return response.json({"socket_url": runtime.settings.public_socket_url, "socket_path": "/socket.io",
                          "ack_ms": runtime.settings.chat_ack_seconds * 1000,
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


def _security_headers(embed_origins: tuple[str, ...] = ()) -> dict[str, str]:
    """The resident pages' headers; `embed_origins` (the embedded chat only) may frame the page too."""
    ancestors = " ".join(("'self'", *embed_origins))
    return {
        "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                    "connect-src 'self' ws: wss: http: https:; img-src 'self'; "
                                    f"frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


RESIDENT = Door("resident", "", routes=(
    Route("GET", "/", index),
    Route("GET", "/favicon.ico", favicon),
    Route("GET", "/chat-config.json", chat_config),
    Route("GET", EMBED_PATH, embedded),
    Route("GET", "/saavutettavuusseloste", accessibility_statement),
    Route("GET", "/tietosuojaseloste", privacy_notice),
), response_middleware=(asset_headers,), static=(("/static", str(STATIC_DIR)),))
