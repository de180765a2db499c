"""The residents' public pages: the accessibility statement (/saavutettavuusseloste) and the privacy
notice (/tietosuojaseloste), rendered on the server from texts in data.

The texts are `public_pages_texts.yml` (blocks: headings, paragraphs, lists, links); `{names}` in
them are filled from the region profile (`region.*`, including its `accessibility:` and `privacy:`
sections), the retention settings (`retention.*`, so the notice states the periods the retention
really uses) and the national authorities' facts in the same file. The page is built from escaped
text only: a value holding markup shows as text. No script, no inline style: one stylesheet.
"""
from __future__ import annotations

import datetime as dt
import html
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from actions.messages import EXAMPLE_REGION_NOTICE
from bot.settings import Settings
from guidance_library.models import GuidanceLibrary

logger = logging.getLogger(__name__)
TEXTS_FILE = Path(__file__).resolve().parent / "public_pages_texts.yml"
PAGE_PATHS = {"accessibility": "/saavutettavuusseloste", "privacy": "/tietosuojaseloste"}
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
SAFE_HREF = re.compile(r"(https?://|mailto:)[^\s\"'<>]+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
BLOCK_KINDS = ("h2", "h3", "p", "ul", "link")


class TextsInvalid(ValueError):
    """The page texts hold a page or a block of an unknown kind."""


class MissingValue(KeyError):
    """A text names a value the region profile and settings do not give."""


@dataclass(frozen=True)
class PageTexts:
    authorities: Mapping[str, str]
    common: Mapping[str, str]
    pages: Mapping[str, Mapping[str, Any]]


@lru_cache(maxsize=4)
def load_texts(path: Path = TEXTS_FILE) -> PageTexts:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = PageTexts(authorities={k: str(v) for k, v in (data.get("authorities") or {}).items()},
                      common={k: str(v) for k, v in (data.get("common") or {}).items()},
                      pages=data.get("pages") or {})
    for key, page in texts.pages.items():
        if key not in PAGE_PATHS or not page.get("title"):
            raise TextsInvalid(f"{path}: page {key!r} is not one of {sorted(PAGE_PATHS)} or has no title")
        for block in page.get("blocks") or []:
            kinds = [k for k in block if k in BLOCK_KINDS]
            if len(kinds) != 1:
                raise TextsInvalid(f"{path}: a block of page {key!r} is not one of {BLOCK_KINDS}: {block!r}")
    return texts


def page_values(library: GuidanceLibrary, settings: Settings, texts: PageTexts) -> dict[str, str]:
    """Every value a text may name, as flat dotted names -> text."""
    values: dict[str, str] = {}
    _flatten("region", dict(library.profile.region), values)
    _flatten("authorities", dict(texts.authorities), values)
    privacy = settings.privacy
    _flatten("retention", {"transcript_days": privacy.transcript_days,
                           "identified_transcript_days": privacy.identified_transcript_days,
                           "analytics_days": privacy.analytics_days}, values)
    return values


def _flatten(prefix: str, value: Any, into: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}", item, into)
    elif isinstance(value, (list, tuple)):
        into[prefix] = ", ".join(str(item) for item in value)
    elif value is not None and value != "":
        into[prefix] = _finnish_date(value)


def _finnish_date(value: Any) -> str:
    """A date as Finns write it (7.12.2026); anything else as its text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.day}.{value.month}.{value.year}"
    text = str(value)
    if ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in text.split("-"))
        return f"{day}.{month}.{year}"
    return text


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its {names} filled (plain text: escaping is the renderer's)."""
    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise MissingValue(name)
        return values[name]
    return PLACEHOLDER.sub(value_of, str(text))


def render_page(key: str, library: GuidanceLibrary, settings: Settings, texts: PageTexts | None = None) -> str:
    """The whole HTML document of page `key` ('accessibility' or 'privacy')."""
    texts = texts or load_texts()
    values = page_values(library, settings, texts)
    page = texts.pages[key]
    title = fill(page["title"], values)
    region_name = values.get("region.name", "")
    out = ["<!doctype html>", '<html lang="fi">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title)} – {_e(region_name)}</title>",
           '<link rel="stylesheet" href="/static/pages.css">', "</head>", "<body>",
           '<main class="page" aria-labelledby="page-title">',
           f'<p class="page-back"><a href="/">{_e(texts.common.get("back_to_chat", ""))}</a></p>',
           f'<h1 id="page-title">{_e(title)}</h1>']
    if library.profile.example:
        out += ['<section class="page-example" aria-labelledby="example-heading">',
                f'<h2 id="example-heading">{_e(texts.common.get("example_heading", ""))}</h2>',
                f"<p>{_e(EXAMPLE_REGION_NOTICE)}</p>", "</section>"]
    for block in page.get("blocks") or []:
        try:
            rendered = _block(block, values)
        except MissingValue as missing:  # only the example profile may lack region.accessibility (the loader)
            logger.warning("public page %s: the region profile gives no %s; a line is left out", key, missing)
            continue
        if rendered:
            out.append(rendered)
    other = "privacy" if key == "accessibility" else "accessibility"
    out += ["</main>", '<footer class="page-footer">',
            f'<a href="/">{_e(texts.common.get("back_to_chat", ""))}</a>',
            f'<a href="{PAGE_PATHS[other]}">{_e(texts.common.get("other_page_" + other, ""))}</a>',
            "</footer>", "</body>", "</html>", ""]
    return "\n".join(out)


def _block(block: Mapping[str, Any], values: Mapping[str, str]) -> str:
    kind = next(k for k in block if k in BLOCK_KINDS)
    body = block[kind]
    condition = body.get("when") if isinstance(body, Mapping) else block.get("when")
    if condition and condition not in values:
        return ""  # the region gives no such value: the line is left out
    if kind in ("h2", "h3", "p"):
        text = body.get("text", "") if isinstance(body, Mapping) else body
        return f"<{kind}>{_e(fill(text, values))}</{kind}>"
    if kind == "ul":
        return "<ul>" + "".join(f"<li>{_e(fill(item, values))}</li>" for item in body) + "</ul>"
    href = fill(body["href"], values)
    if not SAFE_HREF.fullmatch(href):
        return f"<p>{_e(fill(body['text'], values))}</p>"  # not a web or mail address: shown as text only
    return f'<p><a href="{_e(href)}">{_e(fill(body["text"], values))}</a></p>'


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
