"""The README's screenshots, made again from the running pages: `scripts/screenshots` (after scripts/setup).

It starts the web app with the sample of tests/sample_site.py (a fake Rasa socket answering a scripted
Finnish conversation, SQLite in a temporary folder with a professional, a manager, a resident waiting in
the live queue and three weeks of figures), drives Debian's Chromium with Playwright and saves

    docs/screenshots/chat-phone.png     the resident chat on a phone (390 x 844)
    docs/screenshots/chat-desktop.png   the resident chat on a desktop (1280 x 800)
    docs/screenshots/launcher.png       the chat opened from the launcher on a region's page of another origin
    docs/screenshots/console.png        the professionals' console, signed in, a live conversation open
    docs/screenshots/management.png     the management view, signed in, its figures

No trained model, no network. `--only NAME ...` makes some of them; `--out DIR` saves elsewhere.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests import sample_site
from tests.browsers import CHROMIUM

OUT = Path(__file__).resolve().parent
PROJECT = OUT.parent.parent
LAUNCHER = PROJECT / "bot" / "web" / "static" / "launcher.js"
TIMEOUT = 20_000
MAX_BYTES = 400_000
PROFESSIONAL_REPLY = ("Hei, olen sairaanhoitaja Hilla. Kerro vielä, onko sinulla hengenahdistusta "
                      "tai rintakipua?")


def save_png(raw: bytes, target: Path) -> int:
    """Save the browser's PNG smaller: optimised, and with a 256-colour palette if still over MAX_BYTES."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() > MAX_BYTES:
        buffer = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    target.write_bytes(buffer.getvalue())
    return buffer.tell()


def _chat_conversation(chat: Any) -> None:
    """The greeting's flu button pressed and the answer with its list and phone number shown."""
    chat.locator("#chat-log button", has_text="Flunssa ja kuume").first.click()
    chat.locator(".msg.bot", has_text="päivystysapuun 116 117").first.wait_for()


def chat(page: Any, site: sample_site.Site) -> None:
    page.goto(site.url + "/")
    page.locator("#chat-log button", has_text="Flunssa ja kuume").wait_for()
    _chat_conversation(page)
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")
    page.locator("#chat-input").fill("Entä jos kuume nousee yöllä?")
    page.evaluate("document.activeElement && document.activeElement.blur()")


def launcher(page: Any, site: sample_site.Site) -> None:
    page.goto(site.host_url + "/")
    page.locator("button.sote-chat-button").click()
    frame = page.frame_locator("iframe").first
    frame.locator("#chat-log button", has_text="Flunssa ja kuume").wait_for()
    _chat_conversation(frame)
    page.wait_for_timeout(500)  # the panel's opening transition, if any, has ended


def sign_in(page: Any, url: str, account: tuple[str, str]) -> None:
    page.goto(url)
    page.fill("#username", account[0])
    page.fill("#password", sample_site.PASSWORD)
    page.click("#sign-in button")


def console(page: Any, site: sample_site.Site) -> None:
    sign_in(page, site.url + "/console", sample_site.PROFESSIONAL)
    page.locator("#queue li", has_text="Flunssa ja kuume").locator(".take").click()
    page.wait_for_selector("#transcript >> text=Haluaisin jutella hoitajan kanssa")
    entries = site.relay.entries
    entries.append({"index": len(entries), "who": "professional", "name": sample_site.PROFESSIONAL[1],
                    "text": PROFESSIONAL_REPLY, "at": entries[-1]["at"] + 60})
    page.wait_for_selector("#transcript >> text=onko sinulla hengenahdistusta")  # the console polls it in
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.locator("#conversation").evaluate("section => section.scrollIntoView({block: 'start'})")


def management(page: Any, site: sample_site.Site) -> None:
    sign_in(page, site.url + "/management", sample_site.MANAGER)
    page.wait_for_selector("#figures:not([hidden])")
    page.wait_for_selector("#c-days svg")
    page.wait_for_selector("#feedback tbody tr")
    page.evaluate("document.activeElement && document.activeElement.blur()")


# name: (how to get the page there, viewport width, height, device scale factor)
SHOTS: dict[str, tuple[Callable[[Any, sample_site.Site], None], int, int, int]] = {
    "chat-phone": (chat, 390, 844, 2),
    "chat-desktop": (chat, 1280, 800, 1),
    "launcher": (launcher, 1280, 800, 1),
    "console": (console, 1280, 900, 1),
    "management": (management, 1280, 900, 1),
}


def make(names: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tests.fake_rasa_socket import FakeRasaSocket

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/setup")
    if "launcher" in names and not LAUNCHER.exists():
        print("launcher.png skipped: bot/web/static/launcher.js does not exist yet", file=sys.stderr)
        names = [name for name in names if name != "launcher"]
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    socket = FakeRasaSocket(sample_site.REPLIES)
    try:
        with tempfile.TemporaryDirectory(prefix="screenshots-") as folder, \
                sample_site.running_site(Path(folder), socket.url) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--lang=fi-FI"], headless=True)
            for name in names:
                drive, width, height, scale = SHOTS[name]
                context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                              locale="fi-FI", timezone_id="Europe/Helsinki", color_scheme="light")
                page = context.new_page()
                page.set_default_timeout(TIMEOUT)
                drive(page, site)
                target = out / f"{name}.png"
                size = save_png(page.screenshot(animations="disabled", caret="hide"), target)
                print(f"{target.relative_to(PROJECT) if target.is_relative_to(PROJECT) else target}: {size // 1000} kB")
                saved.append(target)
                context.close()
            browser.close()
    finally:
        socket.stop()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), default=list(SHOTS), metavar="NAME",
                        help=f"make only these ({', '.join(SHOTS)})")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files (default: docs/screenshots)")
    arguments = parser.parse_args(argv)
    make(arguments.only, arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
