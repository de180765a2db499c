"""Library changes reach a running process without restart; a broken change is refused."""
from __future__ import annotations

import shutil

import pytest

from guidance_library.live import LiveLibrary
from guidance_library.loader import DEFAULT_PATHS_DIR, LibrarySources


@pytest.fixture()
def live(tmp_path):
    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    sources = LibrarySources(paths_dir=paths_dir)
    return LiveLibrary(sources, lambda library: library, check_interval=0.0), paths_dir


def _edit(file, old, new):
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_answer_is_served_after_reload(live):
    holder, paths_dir = live
    _edit(paths_dir / "omahoito" / "flunssa.yml", "title: ", "title: Päivitetty ")
    assert holder.reload_now()
    assert holder.current().get("flunssa").title.startswith("Päivitetty ")


def test_an_added_path_is_served_and_a_removed_one_disappears(live):
    holder, paths_dir = live
    text = (paths_dir / "omahoito" / "flunssa.yml").read_text(encoding="utf-8")
    new = text.replace("id: flunssa", "id: flunssa-lapsella")
    new = "\n".join(line + " (lapsi)" if line.startswith("  - ") and "url" not in line and "name" not in line
                    else line for line in new.splitlines())
    (paths_dir / "omahoito" / "flunssa-lapsella.yml").write_text(new, encoding="utf-8")
    assert holder.reload_now()
    assert holder.current().get("flunssa-lapsella") is not None
    (paths_dir / "omahoito" / "flunssa-lapsella.yml").unlink()
    assert holder.reload_now()
    assert holder.current().get("flunssa-lapsella") is None


def test_a_broken_file_is_refused_and_the_last_good_version_keeps_serving(live):
    holder, paths_dir = live
    before = holder.current()
    (paths_dir / "omahoito" / "flunssa.yml").write_text("id: flunssa\ntitle: [rikki\n", encoding="utf-8")
    assert not holder.reload_now()
    assert holder.current() is before
    assert holder.last_error is not None and "flunssa.yml" in holder.last_error.report()


def test_background_reload_swaps_in_the_new_version(live):
    holder, paths_dir = live
    _edit(paths_dir / "omahoito" / "flunssa.yml", "title: ", "title: Taustalla ")
    holder.current()  # starts the background reload
    for _ in range(200):
        if holder.current().get("flunssa").title.startswith("Taustalla "):
            break
        import time
        time.sleep(0.05)
    assert holder.current().get("flunssa").title.startswith("Taustalla ")


def test_a_quick_build_is_served_first_then_the_full_build(tmp_path):
    import threading

    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    served: list[str] = []
    full_may_finish = threading.Event()

    def full(library):
        if served:  # the first build (at start) runs at once; a reload's waits for the test
            assert full_may_finish.wait(10)
        served.append("full")
        return ("full", library.version)

    def quick(library, previous):
        served.append("quick")
        assert previous[1] != library.version  # it gets the value being replaced
        return ("quick", library.version)

    holder = LiveLibrary(LibrarySources(paths_dir=paths_dir), full, check_interval=0.0, quick_build=quick)
    _edit(paths_dir / "omahoito" / "flunssa.yml", "title: ", "title: Päivitetty ")
    worker = threading.Thread(target=holder.reload_now)
    worker.start()
    for _ in range(200):
        if holder.current()[0] == "quick":
            break
        worker.join(0.05)
    assert holder.current()[0] == "quick"  # served while the full build still runs
    full_may_finish.set()
    worker.join(10)
    assert holder.current()[0] == "full" and served == ["full", "quick", "full"]


def test_an_unchanged_path_file_is_not_parsed_again(live, monkeypatch):
    import guidance_library.loader as loader

    holder, paths_dir = live
    parsed = []
    original = loader.read_yaml
    monkeypatch.setattr(loader, "read_yaml", lambda file, content=None: (parsed.append(file.name), original(file, content))[1])
    _edit(paths_dir / "omahoito" / "flunssa.yml", "title: ", "title: Päivitetty ")
    assert holder.reload_now()
    assert [name for name in parsed if name.endswith(".yml") and "flunssa" in name] == ["flunssa.yml"]
    assert len([n for n in parsed if n != "flunssa.yml"]) < 20  # the catalogue, profile ..., not the 700 paths
    assert holder.current().get("flunssa").title.startswith("Päivitetty ")


def test_the_files_are_looked_at_off_the_callers_thread_and_one_check_at_a_time(live, monkeypatch):
    """A resident's reply never waits for the look at 700 files: `current()` serves the build it has while a
    background thread checks, and a second call during that check does not start another."""
    import threading

    import guidance_library.live as live_module

    holder, _ = live
    before = holder.current()
    looked_from: list[str] = []
    release = threading.Event()
    original = live_module.fingerprint

    def slow_fingerprint(sources):
        looked_from.append(threading.current_thread().name)
        assert release.wait(10)
        return original(sources)

    monkeypatch.setattr(live_module, "fingerprint", slow_fingerprint)
    for _ in range(200):
        assert holder.current() is before  # at once, whether a check is waiting or not
        if looked_from:
            break
        release.wait(0.05)
    for _ in range(5):
        assert holder.current() is before  # while the check waits, no other one starts
        release.wait(0.02)
    assert looked_from == ["library-check"]
    release.set()


def test_reload_now_waits_for_a_check_under_way_and_reports_the_version_it_brought(live):
    """An editor's tool calling `reload_now` while a background check is already reloading the same change gets
    True and the new version, not a False because the other check was first."""
    import threading

    holder, paths_dir = live
    for _ in range(200):  # any check started before has finished
        if not holder._checking:
            break
        threading.Event().wait(0.05)
    started, release = threading.Event(), threading.Event()
    build = holder._build

    def held_build(library):
        if threading.current_thread().name == "library-check":
            started.set()
            assert release.wait(10)
        return build(library)

    holder._build = held_build
    _edit(paths_dir / "omahoito" / "flunssa.yml", "title: ", "title: Kiireinen ")
    holder.current()  # a background check finds the change and holds in its build
    assert started.wait(10)
    result: list[bool] = []
    caller = threading.Thread(target=lambda: result.append(holder.reload_now()))
    caller.start()
    caller.join(0.3)
    assert caller.is_alive() and not result  # waits for the check under way instead of answering False
    release.set()
    caller.join(10)
    assert result == [True] and holder.current().get("flunssa").title.startswith("Kiireinen ")


def test_a_save_during_a_full_build_is_served_at_once_and_the_stale_full_build_is_dropped(tmp_path):
    """An editor saves twice in a row: the second save's quick build is served while the first save's full
    build still runs, that older full build never replaces it, and the second save's full build follows."""
    import threading

    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    first_full_started, second_full_started = threading.Event(), threading.Event()
    first_may_finish, second_may_finish = threading.Event(), threading.Event()
    built: list[tuple[str, str]] = []

    def full(library):
        title = library.get("flunssa").title
        if built:  # a reload's full build waits for the test (the first build, at start, runs at once)
            started, may_finish = (first_full_started, first_may_finish) if title.startswith("Eka ") \
                else (second_full_started, second_may_finish)
            started.set()
            assert may_finish.wait(10)
        built.append(("full", title))
        return ("full", title)

    def quick(library, previous):
        built.append(("quick", library.get("flunssa").title))
        return ("quick", library.get("flunssa").title)

    holder = LiveLibrary(LibrarySources(paths_dir=paths_dir), full, check_interval=0.0, quick_build=quick)
    file = paths_dir / "omahoito" / "flunssa.yml"
    _edit(file, "title: ", "title: Eka ")
    holder._maybe_reload()  # what the background check does: quick build served, full build handed on
    assert holder.current()[0] == "quick" and holder.current()[1].startswith("Eka ")
    assert first_full_started.wait(10)  # the first save's full build is now running
    _edit(file, "title: Eka ", "title: Toka ")
    holder._maybe_reload()  # returns after the quick build: it does not wait for the running full build
    toka = ("quick", built[-1][1])
    assert holder.current() == toka and toka[1].startswith("Toka ")
    first_may_finish.set()
    assert second_full_started.wait(10)  # the first full build has ended; the second one runs
    assert ("full", next(t for k, t in built if t.startswith("Eka "))) in built  # it was built ...
    assert holder.current() == toka  # ... and dropped: the newer quick build still serves
    second_may_finish.set()
    assert holder.reload_now() is False  # nothing new on disk; it waits for the full build under way
    assert holder.current() == ("full", toka[1])


def test_a_rejected_save_stays_reported_when_the_previous_full_build_finishes(tmp_path):
    """A good save, then a broken one while the good one's full build still runs: the full build serves the
    good version, but the rejection (`last_error`) stands and the broken files are not loaded again."""
    import threading

    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    full_started, may_finish = threading.Event(), threading.Event()
    builds = []

    def full(library):
        if builds:
            full_started.set()
            assert may_finish.wait(10)
        builds.append(library.version)
        return ("full", library.version)

    holder = LiveLibrary(LibrarySources(paths_dir=paths_dir), full, check_interval=0.0,
                         quick_build=lambda library, previous: ("quick", library.version))
    file = paths_dir / "omahoito" / "flunssa.yml"
    _edit(file, "title: ", "title: Hyvä ")
    holder._maybe_reload()
    good = holder.current()
    assert full_started.wait(10)
    _edit(file, "title: Hyvä ", "title: [")
    holder._maybe_reload()
    assert holder.last_error is not None and holder.current() == good
    may_finish.set()
    assert holder.reload_now() is False  # the full build of the good version is not the change asked for
    assert holder.last_error is not None and holder.current() == ("full", good[1])
    import guidance_library.live as live_module
    loads = []
    original = live_module.load_library
    live_module.load_library = lambda *a, **k: (loads.append(1), original(*a, **k))[1]
    try:
        holder._maybe_reload()
    finally:
        live_module.load_library = original
    assert loads == []  # the broken files are not read again until they change


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # SystemExit ends the thread on purpose
@pytest.mark.parametrize("failure", [RuntimeError("out of memory"), SystemExit("a library gave up")])
def test_a_failing_full_build_leaves_the_quick_build_serving_and_the_next_save_gets_one(tmp_path, caplog, failure):
    """A full build that raises (an error, or something that ends its thread) leaves the quick build serving;
    `reload_now` stops waiting, and the next save gets its full build again."""
    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    calls = []

    def full(library):
        calls.append(library.version)
        if len(calls) == 2:
            raise failure
        return ("full", library.version)

    holder = LiveLibrary(LibrarySources(paths_dir=paths_dir), full, check_interval=0.0,
                         quick_build=lambda library, previous: ("quick", library.version))
    file = paths_dir / "omahoito" / "flunssa.yml"
    _edit(file, "title: ", "title: Päivitetty ")
    with caplog.at_level("ERROR"):
        assert holder.reload_now()
    assert holder.current() == ("quick", calls[-1])
    if isinstance(failure, Exception):
        assert "full build failed" in caplog.text
    _edit(file, "title: Päivitetty ", "title: Taas ")
    assert holder.reload_now()
    assert holder.current() == ("full", calls[-1]) and len(calls) == 3


def test_an_edited_national_number_and_a_broken_profile_are_read_anew_not_from_earlier_parses(tmp_path):
    """The catalogue, profile and national contacts are kept parsed between reloads by content: a saved change
    to one of them is read at the next reload, and a syntax error in it is reported, not hidden by the
    earlier good parse."""
    import dataclasses

    from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, LibraryInvalid, load_library

    national, profile = tmp_path / "national.yml", tmp_path / "profile.yml"
    shutil.copy(DEFAULT_NATIONAL, national)
    shutil.copy(DEFAULT_PROFILE, profile)
    sources = dataclasses.replace(LibrarySources(), national=national, profile=profile)
    assert load_library(sources).national_contacts["poison_information"].phone == "0800 147 111"
    _edit(national, "phone: 0800 147 111", "phone: 0800 147 112")
    assert load_library(sources).national_contacts["poison_information"].phone == "0800 147 112"
    _edit(profile, "region:", "region: [")
    with pytest.raises(LibraryInvalid) as err:
        load_library(sources)
    assert "YAML" in err.value.report()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # SystemExit ends the thread on purpose
def test_a_version_waiting_when_the_full_build_thread_ends_still_gets_its_full_build(tmp_path):
    import threading

    paths_dir = tmp_path / "paths"
    shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
    started, may_fail = threading.Event(), threading.Event()
    built = []

    def full(library):
        title = library.get("flunssa").title
        if title.startswith("Eka "):
            started.set()
            assert may_fail.wait(10)
            raise SystemExit("a library gave up")
        built.append(title)
        return ("full", title)

    holder = LiveLibrary(LibrarySources(paths_dir=paths_dir), full, check_interval=0.0,
                         quick_build=lambda library, previous: ("quick", library.get("flunssa").title))
    file = paths_dir / "omahoito" / "flunssa.yml"
    _edit(file, "title: ", "title: Eka ")
    holder._maybe_reload()
    assert started.wait(10)
    _edit(file, "title: Eka ", "title: Toka ")
    holder._maybe_reload()  # Toka waits for the thread that is building Eka
    may_fail.set()
    assert holder.reload_now() is False  # nothing new on disk; it waits for Toka's full build
    assert holder.current()[0] == "full" and holder.current()[1].startswith("Toka ")

