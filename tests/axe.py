"""axe-core (Deque's accessibility engine, from the npm registry: tests/browser_tools, installed by
scripts/setup) run in a Playwright page or frame, for the WCAG 2.1 A and AA rules.

How axe gets into a page whose Content-Security-Policy allows only its own scripts (script-src 'self'):
a `<script>` tag added to the page would be refused by that policy, and relaxing it (bypass_csp) would
test a page that is not the one residents get. Instead the library's source text is evaluated with
Playwright's `evaluate`, which runs over the DevTools protocol (Runtime.callFunctionOn): that is the
debugger's own channel, outside the page's policy, so the page under test keeps its real headers and
its policy is still enforced on everything the page itself does. axe itself needs no eval.

Each frame is checked by itself (`iframes: False`): a cross-origin iframe (the launcher's chat panel)
is another document, and `check_page` runs axe in the host page and in every frame of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).resolve().parent / "browser_tools"
AXE_SCRIPT = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MISSING = "axe-core is not installed: run scripts/setup (npm ci in tests/browser_tools)"

# evaluated as a function over the DevTools protocol: defines window.axe from the library's text once
_INSTALL = """source => {
  if (!window.axe) { (0, eval)(source); }
  return typeof window.axe === "object" && typeof window.axe.run === "function";
}"""
# `(0, eval)` above is called by the DevTools protocol's evaluation, which the page's CSP does not
# govern; if a browser ever applied the CSP to it, the install returns False and the test says so.
_RUN = """tags => window.axe.run(document, {
  runOnly: {type: "tag", values: tags}, iframes: false, resultTypes: ["violations"], elementRef: false
}).then(result => result.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({target: n.target.map(String), summary: n.failureSummary || "",
                            html: (n.html || "").slice(0, 200)}))
})))"""


def axe_source() -> str:
    """axe-core's text; the test is skipped (with how to install it) where it is missing."""
    if not AXE_SCRIPT.exists():
        pytest.skip(MISSING)
    return AXE_SCRIPT.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One failed axe rule in one document: where (the frame's URL), what and which elements."""

    where: str
    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[dict[str, Any], ...]

    def describe(self) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help} ({self.where})", f"    {self.help_url}"]
        for node in self.nodes[:10]:
            lines.append(f"    at {' >>> '.join(node['target'])}")
            lines.append(f"       {node['html']}")
            for reason in node["summary"].splitlines():
                if reason.strip():
                    lines.append(f"       {reason.strip()}")
        if len(self.nodes) > 10:
            lines.append(f"    … and {len(self.nodes) - 10} more elements")
        return "\n".join(lines)


def check_frame(frame: Any, tags: list[str] | None = None) -> list[Violation]:
    """axe's WCAG A/AA violations in one Playwright page or frame (its own document only)."""
    installed = frame.evaluate(_INSTALL, axe_source())
    assert installed, f"axe-core could not be installed in {frame.url}"
    found = frame.evaluate(_RUN, tags or WCAG_TAGS)
    return [Violation(frame.url, v["id"], v["impact"] or "unknown", v["help"], v["helpUrl"],
                      tuple(v["nodes"])) for v in found]


def check_page(page: Any, tags: list[str] | None = None) -> list[Violation]:
    """axe's violations in the page and in each of its frames (a cross-origin iframe too)."""
    found: list[Violation] = []
    for frame in page.frames:
        if frame.url in ("", "about:blank") or frame.is_detached():
            continue
        found += check_frame(frame, tags)
    return found


def report(violations: list[Violation]) -> str:
    """The violations as a readable list for an assertion message: '' when there are none."""
    if not violations:
        return ""
    return f"{len(violations)} accessibility violation(s) (axe-core, WCAG 2.1 A/AA):\n" + "\n".join(
        v.describe() for v in violations)
