"""`guidance`: the content editors' command line.

    guidance validate            check every path file against the rules
    guidance validate --partial  the same, but topics without a path are not an error
    guidance preview ID          show a path as the bot shows it
    guidance stats               counts per topic, area and kind
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter

from guidance_library.loader import LibraryInvalid, load_library
from guidance_library.rendering import render_path


def _validate(args: argparse.Namespace) -> int:
    try:
        library = load_library(require_all_topics=not args.partial)
    except LibraryInvalid as err:
        print(err.report())
        print(f"\n{len(err.problems)} korjattavaa asiaa. Kirjasto ei latautunut; botti käyttää edellistä toimivaa versiota.")
        return 1
    drafts = f", lisäksi {len(library.drafts)} luonnosta" if library.drafts else ""
    print(f"Kunnossa: {len(library.paths)} polkua, {len({p.topic for p in library.paths})}/{len(library.topics)} "
          f"aihetta{drafts}.")
    return 0


def _preview(args: argparse.Namespace) -> int:
    library = load_library(require_all_topics=False)
    path = library.get(args.path_id) or next((d for d in library.drafts if d.id == args.path_id), None)
    if path is None:
        print(f"Polkua '{args.path_id}' ei löydy.")
        return 1
    print(render_path(path, library).as_text())
    return 0


def _stats(args: argparse.Namespace) -> int:
    library = load_library(require_all_topics=False)
    by_area = Counter(library.topics[p.topic].area for p in library.paths)
    by_kind = Counter(p.kind for p in library.paths)
    print(f"Polkuja {len(library.paths)}, esimerkkejä {sum(len(p.examples) for p in library.paths)}")
    print("Alueittain: " + ", ".join(f"{a} {n}" for a, n in sorted(by_area.items())))
    print("Lajeittain: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `guidance` command."""
    parser = argparse.ArgumentParser(prog="guidance", description="Ohjauspolkukirjaston työkalut")
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="tarkista kaikki polut")
    validate.add_argument("--partial", action="store_true", help="älä vaadi polkua jokaiselle aiheelle")
    validate.set_defaults(func=_validate)
    preview = sub.add_parser("preview", help="näytä polku niin kuin botti sen näyttää")
    preview.add_argument("path_id")
    preview.set_defaults(func=_preview)
    sub.add_parser("stats", help="tilastot").set_defaults(func=_stats)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
