"""Sanic apps served in a thread for HTTP tests, and stopped again (a server left running at
interpreter exit, with its background tasks touching dropped databases, can crash the process)."""
from __future__ import annotations

import threading
import time
import urllib.request
from typing import Any


class ThreadedServer:
    """Runs `app` on 127.0.0.1:`port` in a daemon thread until `stop()`."""

    def __init__(self, app: Any, port: int, probe_url: str) -> None:
        self.app = app
        self.loop: Any = None

        async def remember_loop(_app: Any, loop: Any) -> None:
            self.loop = loop

        app.register_listener(remember_loop, "after_server_start")
        self.thread = threading.Thread(target=lambda: app.run(host="127.0.0.1", port=port, access_log=False,
                                                              register_sys_signals=False, motd=False), daemon=True)
        self.thread.start()
        for _ in range(200):
            try:
                urllib.request.urlopen(probe_url, timeout=1)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.app.stop)
        self.thread.join(timeout=15)
