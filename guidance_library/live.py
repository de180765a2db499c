"""Keeps the running assistant on the newest *valid* library, without restarts or retraining.

`LiveLibrary.current()` returns what was built from the last good version of the library
files. At most every `check_interval` seconds a background thread looks at the files' sizes and
modification times (about 15 ms for 700 files, kept off the resident's reply); if they changed, it
loads, validates and builds the new version and swaps it in only when all of that succeeded. A
broken file is logged and the last good version keeps serving, so residents never see a
half-loaded library.

With `quick_build` (the guidance ranker's: the new index with the previous topic classifier), a
reload swaps in the quick build first, within a couple of seconds of the save, and then the full
build when it is done; the path files that did not change are not parsed again
(guidance_library/loader.py), so an editor's change reaches residents in about three seconds. The
full build runs in a thread of its own ("library-full-build"), so an editor who saves again while
it runs gets the next quick build at once instead of after it; a full build of a version that a
newer one has replaced meanwhile is dropped, and only the newest waiting version is built next.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Generic, TypeVar

from guidance_library.loader import LibraryInvalid, LibrarySources, fingerprint, load_library
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)
T = TypeVar("T")
FULL_BUILD_WAIT = 300.0  # seconds `reload_now` waits at most for the full builds under way


class LiveLibrary(Generic[T]):
    """The last good build of the library, reloaded in the background when files change."""

    def __init__(self, sources: LibrarySources, build: Callable[[GuidanceLibrary], T],
                 check_interval: float = 2.0, require_all_topics: bool = True,
                 quick_build: Callable[[GuidanceLibrary, T], T] | None = None) -> None:
        self._sources = sources
        self._build = build
        self._quick_build = quick_build
        self._interval = check_interval
        self._require_all = require_all_topics
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()  # one look at the files (and reload) at a time
        self._reloading = False
        self._checking = False
        self._generation = 0  # counts the values swapped in: a full build serves only if none came after its quick one
        self._full_wanted: tuple[GuidanceLibrary, int] | None = None  # the newest version waiting for its full build
        self._full_building = False
        self._full_done = threading.Condition(self._lock)
        self.last_error: LibraryInvalid | None = None
        self._fingerprint = fingerprint(sources)
        self._value = build(load_library(sources, require_all_topics))
        self._checked_at = time.monotonic()

    def current(self) -> T:
        """The newest good build; may start a background check of the files (and a reload)."""
        now = time.monotonic()
        if now - self._checked_at >= self._interval:
            self._checked_at = now
            with self._lock:
                start, self._checking = not self._checking, True
            if start:
                try:
                    threading.Thread(target=self._check, daemon=True, name="library-check").start()
                except RuntimeError:  # no thread now (shutting down, or none left): the next call tries again
                    with self._lock:
                        self._checking = False
        return self._value

    def _check(self) -> None:
        """Look at the files and reload if they changed (the background check of `current`)."""
        try:
            self._maybe_reload()
        except Exception:  # noqa: BLE001 - an unreadable directory must not end the checks: the old build serves
            logger.exception("Guidance library check failed; still serving the previous version")
        finally:
            with self._lock:
                self._checking = False

    def reload_now(self) -> bool:
        """Check the files and rebuild synchronously; True if a new version is now served (by this call, or
        by a background check that was under way and that this call waited for). With a quick build, it also
        waits for the full builds under way (at most `FULL_BUILD_WAIT` seconds); a full build of a version
        already served is not a new version, and a rejected change leaves `last_error` set and returns False."""
        with self._lock:
            served = self._generation
        self._maybe_reload()
        with self._lock:
            done = self._full_done.wait_for(lambda: not self._full_building and self._full_wanted is None,
                                            timeout=FULL_BUILD_WAIT)
            if not done:
                logger.warning("Guidance library full build still running after %.0f s; the quick build serves",
                               FULL_BUILD_WAIT)
            return self._generation != served

    def _maybe_reload(self) -> None:
        with self._check_lock:
            seen = fingerprint(self._sources)
            with self._lock:
                if seen == self._fingerprint or self._reloading:
                    return
                self._reloading = True
            self._reload(seen)

    def _reload(self, seen: tuple) -> None:
        try:
            library = load_library(self._sources, self._require_all)
            if self._quick_build is not None:
                generation = self._swap(self._quick_build(library, self._value), seen)  # served at once ...
                self._full_build_later(library, generation)                             # ... the full build after
                self.last_error = None
                return
            value = self._build(library)
        except LibraryInvalid as err:
            self.last_error = err
            logger.error("Guidance library change rejected; still serving the previous version.\n%s", err.report())
            with self._lock:
                self._fingerprint = seen  # do not retry the same broken files on every message
            return
        finally:
            with self._lock:
                self._reloading = False
        self._swap(value, seen)
        self.last_error = None
        logger.info("Guidance library reloaded: %d paths, version %s", len(library.paths), library.version)

    def _swap(self, value: T, seen: tuple) -> int:
        with self._lock:
            self._value = value
            self._fingerprint = seen
            self._generation += 1
            return self._generation

    def _full_build_later(self, library: GuidanceLibrary, generation: int) -> None:
        """Hand a quick-served version to the full-build thread (started if none runs): it builds the newest
        version waiting, so an editor's next save is not held up by this one's full build."""
        with self._lock:
            self._full_wanted = (library, generation)
            if self._full_building:
                return
            self._full_building = True
        try:
            threading.Thread(target=self._full_builds, daemon=True, name="library-full-build").start()
        except RuntimeError:  # no thread now (shutting down): the quick build keeps serving
            logger.warning("No thread for the guidance library's full build; the quick build of version %s serves",
                           library.version)
            with self._lock:
                self._full_building, self._full_wanted = False, None
                self._full_done.notify_all()

    def _full_builds(self) -> None:
        """The full-build thread: builds the newest waiting version until none waits (the decision to stop is
        taken under the lock, so a version handed on meanwhile is never left without its build). Whatever else
        ends it, the flags are reset: the next quick-served version starts a new thread and `reload_now` stops
        waiting."""
        finished = False
        try:
            while True:
                with self._lock:
                    wanted, self._full_wanted = self._full_wanted, None
                    if wanted is None:
                        self._full_building = False
                        self._full_done.notify_all()
                        finished = True
                        return
                library, generation = wanted
                try:
                    value = self._build(library)
                except Exception:  # noqa: BLE001 - the quick build keeps serving this version
                    logger.exception("Guidance library full build failed; the quick build of version %s serves",
                                     library.version)
                    continue
                with self._lock:
                    if self._generation != generation:
                        continue  # a newer version was served meanwhile: this build is out of date
                    self._value = value  # the same version as the quick build: its fingerprint and last_error stand
                logger.info("Guidance library reloaded: %d paths, version %s", len(library.paths), library.version)
        finally:
            if not finished:  # ended by something that is not an Exception (SystemExit from a library ...)
                logger.error("The guidance library's full-build thread ended unexpectedly")
                with self._lock:
                    self._full_building = False
                    waiting, self._full_wanted = self._full_wanted, None
                    self._full_done.notify_all()
                if waiting is not None:  # a version handed on meanwhile still gets its full build
                    self._full_build_later(*waiting)
