"""What the production image holds, checked offline (no Docker daemon here): the build context keeps
out local state, keys and tools (`.dockerignore`, matched as Docker matches it), and the image that
runs is the last stage of a multi-stage build that installs the runtime lock only, so no test or
lint tool and no package installer is in it."""
from __future__ import annotations

import os
import re
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_DIR

DOCKERFILE = PROJECT_DIR / "bot" / "deploy" / "Dockerfile"
DOCKERIGNORE = PROJECT_DIR / ".dockerignore"
DEV_TOOLS = ("pytest", "ruff", "hypothesis", "playwright", "mypy", "coverage", "import-linter")
VENV_PROVIDED = {"pip", "setuptools", "wheel"}  # python -m venv brings them; pip fetches wheel


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker's patternmatcher reads it: anchored at the context root,
    `*` and `?` within one path element, `**` across any number of them."""
    pattern = os.path.normpath(pattern.strip().lstrip("/"))
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out += "(.*/)?"
            else:
                out += ".*"
            continue
        if char == "[" and "]" in pattern[i + 2:]:  # a character class, [!...] negated
            end = pattern.index("]", i + 2)
            inner = pattern[i + 1:end]
            out += "[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]"
            i = end + 1
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        i += 1
    return re.compile(f"^{out}$")


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    rules = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), _pattern_regex(line.lstrip("!"))))
    return tuple(rules)


def excluded(path: str) -> bool:
    """Whether Docker leaves this context-relative path out (a left-out folder takes its contents)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    verdict = False
    for negated, regex in _rules():
        if any(regex.match(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


def context_files() -> list[str]:
    """Every file of this checkout that would be sent to the Docker daemon."""
    found = []
    for root, folders, files in os.walk(PROJECT_DIR):
        relative = Path(root).relative_to(PROJECT_DIR).as_posix()
        prefix = "" if relative == "." else relative + "/"
        folders[:] = [f for f in folders if not excluded(prefix + f)]
        found += [prefix + f for f in files if not excluded(prefix + f)]
    return found


def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped), per stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append([])
        result[-1].append(line)
    return result


def lock(name: str) -> dict[str, str]:
    pins = {}
    for line in (PROJECT_DIR / name).read_text(encoding="utf-8").splitlines():
        if line[:1].isalnum():  # a pin; the indented lines after it are its hashes and notes
            package, version = line.split()[0].split("==")
            pins[canonicalize_name(package)] = version
    return pins


@pytest.mark.parametrize("path", ["var/assistant.db", "var/tracker.db", "var/saml/sp.key", "var/session_secret",
                                  "var/internal_token", "models/assistant.tar.gz", ".venv/bin/python", ".git/config",
                                  "bot/web/widget/node_modules/socket.io-client/package.json",
                                  "bot/__pycache__/settings.cpython-310.pyc", "bot/stray.pyc", ".pytest_cache/v/cache/lastfailed",
                                  ".ruff_cache/CACHEDIR.TAG", "deploy-keys/sp.pem", "bot/web/sp.key",
                                  "bot/deploy/tls.crt", ".rasa/cache/x", "bench/var/x.db"])
def test_local_state_keys_and_tools_stay_out_of_the_build_context(path: str) -> None:
    assert excluded(path)


def test_what_the_image_copies_is_in_the_build_context() -> None:
    tracked = subprocess.run(["git", "ls-files", "bot", "actions", "guidance_library", "data"], cwd=PROJECT_DIR,
                             capture_output=True, text=True, check=True).stdout.split()
    assert tracked
    needed = [*tracked, "requirements.lock", "pyproject.toml", "README.md", "bot/web/static/vendor/socket.io.min.js"]
    assert [path for path in needed if excluded(path)] == []


def test_nothing_private_of_this_checkout_would_be_sent() -> None:
    sent = context_files()
    assert "bot/settings.py" in sent
    private = re.compile(r"(^|/)(var|\.venv|\.git|node_modules|__pycache__|models)/|\.(key|pem)$")
    assert [path for path in sent if private.search(path)] == []


def test_the_image_that_runs_is_built_in_stages_without_test_tools_or_pip() -> None:
    built = stages()
    assert len(built) >= 2
    final = built[-1]
    everything = " ".join(" ".join(stage) for stage in built)
    assert "requirements-dev" not in everything  # the image installs the runtime lock only
    assert not any(re.search(r"\bpip3? +(-\S+ +)*install\b", line) for line in final)  # nothing installed in the last stage
    assert any(line.startswith("COPY --from=") and "/opt/venv" in line for line in final)
    assert any("pip uninstall" in line for line in final)  # the base image's installer goes too
    build = next(stage for stage in built if any("-r requirements.lock" in line for line in stage))
    assert any(re.search(r"pip uninstall --yes pip\b", line) for line in build)  # and the venv's
    assert any("install -d -m 0700" in line and "/app/var" in line for line in final)
    assert final[-1].startswith("CMD [")


def test_the_runtime_lock_holds_no_test_or_lint_tool_and_everything_the_runtime_needs() -> None:
    runtime, dev = lock("requirements.lock"), lock("requirements-dev.lock")
    assert not set(runtime) & set(dev)
    assert [tool for tool in DEV_TOOLS if canonicalize_name(tool) in runtime] == []
    assert {"pytest", "ruff", "hypothesis", "playwright"} <= set(dev)
    missing, seen = [], set()
    todo = [(name, "") for name in runtime]  # (package, extra asked for by whoever needs it)
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} of requirements.lock is not installed: run scripts/setup")
        for spec in requirements:
            requirement = Requirement(spec)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
                continue
            wanted = canonicalize_name(requirement.name)
            if wanted in VENV_PROVIDED:
                continue
            if wanted not in runtime:
                missing.append(f"{name} needs {wanted}")
                continue
            todo += [(wanted, asked) for asked in requirement.extras]
    assert missing == []
