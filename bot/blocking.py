"""Running a blocking call (a database store, a SAML check, a file read) from async code.

Sanic handlers and Rasa's channels run on one event loop; a store call that waits on the database
would stop every other conversation on it. `blocking` runs it in the loop's worker threads, so
concurrent requests really are concurrent transactions (a ticket claim stays single-winner).
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `function(*args, **kwargs)` in a worker thread and wait for it without blocking the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))
