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
