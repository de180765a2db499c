"""Route lists: each door of the web app is a module of plain async handlers and a list of `Route`s,
and `door_blueprint` turns the list into that door's one blueprint.

Handlers are module-level functions, so a reader finds a route by its path in the list and reads
its handler top to bottom; what a handler needs (stores, relay, library, settings) comes from the
app's one `WebRuntime` (`bot.web.runtime.runtime_of`), never from a closure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Coroutine, Sequence

from sanic import Blueprint, response

Handler = Callable[..., Coroutine[Any, Any, response.HTTPResponse]]


@dataclass(frozen=True)
class Route:
    """One route of a door: method, path below the door's prefix, handler."""

    method: str
    uri: str
    handler: Handler
    name: str = ""  # defaults to the handler's name; give one when a handler serves two routes


@dataclass(frozen=True)
class Door:
    """A door's routes and what hangs on its blueprint: response middleware and server listeners."""

    name: str
    prefix: str
    routes: Sequence[Route]
    response_middleware: Sequence[Callable[..., Awaitable[None]]] = ()
    listeners: Sequence[tuple[str, Callable[..., Awaitable[None]]]] = ()
    static: Sequence[tuple[str, str]] = field(default=())  # (uri, directory)


def door_blueprint(door: Door) -> Blueprint:
    """A fresh blueprint for `door` (one per app: tests build several apps in one process)."""
    blueprint = Blueprint(door.name, url_prefix=door.prefix or None)
    for uri, directory in door.static:
        blueprint.static(uri, directory, name="static")
    for route in door.routes:
        blueprint.add_route(route.handler, route.uri, methods=[route.method], name=route.name or None)
    for middleware in door.response_middleware:
        blueprint.middleware(middleware, "response")
    for event, listener in door.listeners:
        blueprint.listener(event)(listener)
    return blueprint


def api_headers_middleware(prefix: str, headers: dict[str, str]) -> Callable[..., Awaitable[None]]:
    """Response middleware that puts `headers` on every answer under `prefix` (an API's JSON answers)."""
    async def add_headers(request: Any, answer: response.HTTPResponse) -> None:
        if request.path.startswith(prefix):
            for name, value in headers.items():
                answer.headers.setdefault(name, value)
    return add_headers
