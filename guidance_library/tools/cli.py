"""`guidance`: the content editors' command line.

    guidance validate            check every path, instrument and programme file, and the safety net's files
    guidance validate --partial  the same, but topics without a path are not an error
    guidance preview ID          show a path as the bot shows it
    guidance stats               counts per topic, area and kind
    guidance coverage            paths that their own phrasings (held out) do not reach
    guidance conflicts           phrasings of one path that the bot answers with another
    guidance new TOPIC FACET     a new draft path file for a topic, to fill in
    guidance export --format csv|json   every path for a review round
    guidance gaps                what residents asked that got no good answer, and path feedback
    guidance import-ptv SERVICES.json --channels CHANNELS.json   drafts + profile contacts from PTV v11 JSON
    guidance coverage|conflicts --with-drafts --area AREA   include drafts, show one area
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import csv
import datetime as dt
import json
import sys
import time
from collections import Counter
from pathlib import Path

from guidance_library.loader import DEFAULT_PATHS_DIR, LibraryInvalid, load_library
from guidance_library.rendering import render_path
from guidance_library.risk_corpus import check_safety_files
from guidance_library.validation import ID_PATTERN

PTV_TOPIC_MIN_SCORE = 0.15  # below this the retrieval's best topic for a PTV service is no suggestion


def _validate(args: argparse.Namespace) -> int:
    try:
        library = load_library(require_all_topics=not args.partial)
    except LibraryInvalid as err:
        print(err.report())
        print(f"\n{len(err.problems)} korjattavaa asiaa. Kirjasto ei latautunut; botti käyttää edellistä toimivaa versiota.")
        return 1
    safety_problems = check_safety_files(library)
    if safety_problems:
        print("\n".join(str(p) for p in safety_problems))
        print(f"\n{len(safety_problems)} korjattavaa asiaa hätätilanteiden tunnistuksessa (emergency.yml, risk_corpus/).")
        return 1
    drafts = f", lisäksi {len(library.drafts)} luonnosta" if library.drafts else ""
    print(f"Kunnossa: {len(library.paths)} polkua, {len({p.topic for p in library.paths})}/{len(library.topics)} "
          f"aihetta{drafts}, {len(library.instruments)} itsearviota, {len(library.programmes)} omahoito-ohjelmaa.")
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


def _held_out(library):
    from bot.nlu.finnish import shared_analyzer
    from bot.nlu.vectors import shared_vectors
    from guidance_library.tools.quality import held_out_answers

    print("Lasketaan (jokainen esimerkki kysytään niin, ettei se itse ole hakemistossa)...", file=sys.stderr)
    started = time.monotonic()

    def progress(fold: int, folds: int, asked: int) -> None:
        print(f"  kierros {fold}/{folds}: rakennetaan hakemisto ja kysytään {asked} esimerkkiä "
              f"({time.monotonic() - started:.0f} s kulunut)", file=sys.stderr, flush=True)

    answers = held_out_answers(library, shared_analyzer(), shared_vectors(), progress=progress)
    print(f"  valmis ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    return answers


def _library_for_quality(args: argparse.Namespace):
    """The published library, or with --with-drafts the drafts too as if they were published."""
    library = load_library(require_all_topics=False)
    if args.with_drafts:
        library = dataclasses.replace(library, paths=library.paths + library.drafts, drafts=())
    return library


def _in_areas(library, path_id: str, areas: list[str] | None) -> bool:
    if not areas:
        return True
    path = next(p for p in library.paths if p.id == path_id)
    return library.topics[path.topic].area in areas


def _coverage(args: argparse.Namespace) -> int:
    from guidance_library.tools.quality import coverage

    library = _library_for_quality(args)
    answers = _held_out(library)
    rows = [r for r in coverage(answers) if _in_areas(library, r.path_id, args.area)]
    topic_of = {p.id: p.topic for p in library.paths}
    shown = [a for a in answers if _in_areas(library, a.path_id, args.area)]
    same_topic = sum(topic_of.get(a.winner) == topic_of[a.path_id] for a in shown)
    weak = [row for row in rows if row.share < args.min_share]
    for row in weak:
        lost = ", ".join(f"{pid} ({n})" for pid, n in row.lost_to)
        print(f"{row.path_id}: omista kysymyksistä löytyy {row.reached}/{row.asked}; muut menivät: {lost}")
    reached = sum(r.reached for r in rows)
    asked = sum(r.asked for r in rows)
    print(f"\nYhteensä {reached}/{asked} ({reached / asked:.0%}) esimerkkiä löytää oman polkunsa, "
          f"{same_topic}/{asked} ({same_topic / asked:.0%}) ainakin oman aiheensa polun. "
          f"Heikkoja polkuja (alle {args.min_share:.0%}): {len(weak)}.")
    facet_of = {p.id: p.facet for p in library.paths}
    print("\nNäkökulmittain (facet): polkuja, esimerkit jotka löytävät oman polkunsa")
    for facet in sorted({facet_of[r.path_id] for r in rows}):
        mine = [r for r in rows if facet_of[r.path_id] == facet]
        hits, total = sum(r.reached for r in mine), sum(r.asked for r in mine)
        print(f"  {facet:12s} {len(mine):4d} polkua  {hits}/{total} ({hits / total if total else 0:.0%})")
    return 1 if weak and args.strict else 0


def _conflicts(args: argparse.Namespace) -> int:
    from guidance_library.tools.quality import conflicts

    library = _library_for_quality(args)
    pairs = {pair: answers for pair, answers in conflicts(_held_out(library)).items()
             if _in_areas(library, pair[0], args.area) or _in_areas(library, pair[1], args.area)}
    for (own, winner), answers in list(pairs.items())[:args.most]:
        print(f"{own} -> voittaja {winner} ({len(answers)} kysymystä):")
        for answer in answers:
            print(f"    \"{answer.text}\"")
    print(f"\n{len(pairs)} polkuparia, joiden kysymyksiä botti sekoittaa.")
    path_of = {p.id: p for p in library.paths}
    facets = Counter((path_of[own].facet, path_of[winner].facet) for own, winner in pairs if own in path_of
                     and winner in path_of)
    same_topic = Counter(path_of[own].facet for own, winner in pairs if own in path_of and winner in path_of
                         and path_of[own].topic == path_of[winner].topic)
    print("Näkökulmittain (oma facet -> voittajan facet), yleisimmät:")
    for (own, winner), count in facets.most_common(10):
        print(f"  {own} -> {winner}: {count} paria")
    if same_topic:
        print("Saman aiheen sisällä sekoittuvat: " + ", ".join(f"{f} {n}" for f, n in same_topic.most_common()))
    return 0


def _new(args: argparse.Namespace) -> int:
    library = load_library(require_all_topics=False)
    topic = library.topics.get(args.topic)
    if topic is None:
        print(f"Aihetta '{args.topic}' ei ole palvelutarpeiden luettelossa.")
        return 1
    path_id = f"{args.topic}-{args.facet}"
    if not ID_PATTERN.match(path_id):
        print(f"Tunniste '{path_id}' saa sisältää vain pieniä kirjaimia a-z, numeroita ja väliviivoja.")
        return 1
    target = DEFAULT_PATHS_DIR / topic.area / f"{path_id}.yml"
    if target.exists():
        print(f"Tiedosto on jo olemassa: {target}")
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(SCAFFOLD.format(id=path_id, topic=topic.id, kind=topic.kind, need=topic.need,
                                      today=dt.date.today().isoformat()), encoding="utf-8")
    print(f"Luotiin luonnos {target}. Täytä kentät ja aja: guidance validate")
    return 0


def _export(args: argparse.Namespace) -> int:
    library = load_library(require_all_topics=False)
    rows = [{"id": p.id, "topic": p.topic, "area": library.topics[p.topic].area, "kind": p.kind,
             "status": "draft" if p in library.drafts else "published", "title": p.title, "answer": p.answer,
             "examples": " | ".join(p.examples), "urgent_signs": " | ".join(p.urgent_signs),
             "links": " | ".join(f"{link.name} <{link.url}>" for link in p.links), "owner": p.owner,
             "reviewed": p.reviewed.isoformat(), "file": str(Path(p.source_file).relative_to(DEFAULT_PATHS_DIR.parent))}
            for p in (*library.paths, *library.drafts)]
    with (open(args.output, "w", encoding="utf-8", newline="") if args.output
          else contextlib.nullcontext(sys.stdout)) as out:
        if args.format == "json":
            json.dump(rows, out, ensure_ascii=False, indent=2)
            out.write("\n")
        else:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
            writer.writeheader()
            writer.writerows(rows)
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from actions.store.database import make_engine, make_session_factory
    from actions.store.feedback import feedback_counts
    from actions.store.gaps import gap_groups
    from bot.settings import Settings

    sessions = make_session_factory(make_engine(args.database or Settings.from_env().database_url))
    names = {"no_match": "ei löytynyt", "clarify": "kysyttiin tarkennusta", "out_of_scope": "ei palvelun aihe"}
    with sessions() as session:
        groups = gap_groups(session)
        feedback = feedback_counts(session)
    print("Kysymykset ilman hyvää vastausta (henkilötiedot poistettu):")
    for group in groups[:args.most]:
        near = f", lähin polku {group.best_path_id}" if group.best_path_id else ""
        print(f"  {group.count:4d}  {names.get(group.outcome, group.outcome)}{near}")
        for example in group.examples:
            print(f"          \"{example}\"")
    if not groups:
        print("  (ei yhtään)")
    print("\nOliko tästä apua? -palaute poluittain (kyllä / ei):")
    for row in feedback:
        print(f"  {row.path_id}: {row.helpful} / {row.not_helpful}")
    if not feedback:
        print("  (ei palautetta)")
    return 0


SCAFFOLD = """id: {id}
topic: {topic}          # {need}
title: KIRJOITA OTSIKKO
kind: {kind}
facet: overview         # näkökulma: overview, booking, fees, apply, documents, processing, decision, urgent,
                        # self_care, symptom, support, digital, after_visit (AUTHORING.md)
# audience: [child]     # kohderyhmä, jos ohje on tietylle ryhmälle (baby, child, teen, student, elderly, ...)
status: draft           # vaihda published, kun polku on tarkistettu
examples:               # vähintään 6 asukkaan omaa muotoilua (puhekieli, ilman ä/ö, toisen puolesta ...)
  - 
answer: |
  KIRJOITA VASTAUS: mitä voi tehdä nyt, minne kääntyä, mitä tapahtuu seuraavaksi.
  - Käytä alueen tietoihin paikkamerkkejä, esim. {{{{contacts.client_guidance.phone}}}}.
urgent_signs: []
links: []
contacts: [client_guidance]
follow_ups:
  related: [{topic}]
  contact_request: true
owner: KIRJOITA VASTUUTAHO
reviewed: {today}
sources:
  - name: KIRJOITA LÄHDE
    url: https://
"""


def _import_ptv(args: argparse.Namespace) -> int:
    from bot.nlu.finnish import FinnishAnalyzer
    from bot.nlu.retrieval import GuidanceIndex
    from bot.nlu.vectors import WordVectors
    from guidance_library.tools.ptv import PtvFormatError, import_services, read_items, write_result

    try:
        services = read_items(Path(args.services))
        channels = read_items(Path(args.channels)) if args.channels else []
    except PtvFormatError as err:
        print(f"Tuonti keskeytyi: {err}", file=sys.stderr)
        return 2
    library = load_library(require_all_topics=False)
    index = GuidanceIndex(library, FinnishAnalyzer(), WordVectors())

    def suggest(text: str) -> str | None:
        ranked = index.rank(text, 1)
        return ranked[0].topic if ranked and ranked[0].score >= PTV_TOPIC_MIN_SCORE else None

    result = import_services(services, channels, library, suggest)
    output = Path(args.output)
    for file in write_result(result, output):
        print(f"Kirjoitettiin {file}")
    for draft in result.drafts:
        print(f"\n{draft.path_id} (aihe {draft.document['topic']}):")
        for item in draft.to_do:
            print(f"  - {item}")
    reused = [key for key, c in result.contacts.items() if c.reused]
    new = [key for key, c in result.contacts.items() if not c.reused]
    print(f"\n{len(result.drafts)} luonnosta, {len(new)} uutta yhteystietoa"
          + (f", {len(reused)} jo profiilissa ({', '.join(reused)})" if reused else "") + ".")
    for note in result.skipped:
        print(f"Ohitettiin: {note}")
    print(f"Seuraavaksi: lisää {output / 'profile_contacts.yml'} alueprofiiliin, viimeistele luonnokset ja siirrä ne "
          f"kansioon {DEFAULT_PATHS_DIR}/<alue>/, aja guidance validate.")
    return 0


def _quality_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--with-drafts", action="store_true", help="ota luonnokset mukaan kuin ne olisi julkaistu")
    parser.add_argument("--area", action="append", help="näytä vain tämän alueen polut (voi toistaa)")


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
    cover = sub.add_parser("coverage", help="polut, joita niiden omat kysymykset eivät löydä")
    cover.add_argument("--min-share", type=float, default=0.5, help="raja, jonka alle polku on heikko (0-1)")
    cover.add_argument("--strict", action="store_true", help="palauta virhekoodi, jos heikkoja polkuja on")
    cover.set_defaults(func=_coverage)
    _quality_options(cover)
    conflict = sub.add_parser("conflicts", help="kysymykset, jotka botti ohjaa toiselle polulle")
    conflict.add_argument("--most", type=int, default=30, help="montako polkuparia näytetään")
    conflict.set_defaults(func=_conflicts)
    _quality_options(conflict)
    new = sub.add_parser("new", help="uusi polkuluonnos aiheelle")
    new.add_argument("topic", help="aiheen tunniste palvelutarpeiden luettelosta")
    new.add_argument("facet", help="polun tarkenne, esim. maksut tai lapset")
    new.set_defaults(func=_new)
    export = sub.add_parser("export", help="kaikki polut tarkistuskierrosta varten")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", help="tiedosto (oletus: näyttö)")
    export.set_defaults(func=_export)
    gaps = sub.add_parser("gaps", help="kysymykset ilman hyvää vastausta ja polkujen palaute")
    gaps.add_argument("--database", help="tietokannan osoite (oletus: ASSISTANT_DATABASE_URL)")
    gaps.add_argument("--most", type=int, default=40, help="montako ryhmää näytetään")
    gaps.set_defaults(func=_gaps)
    ptv = sub.add_parser("import-ptv", help="luonnokset ja yhteystiedot Palvelutietovarannon (PTV v11) JSONista")
    ptv.add_argument("services", help="palvelut: /api/v11/Service -vastaus (sivu, luettelo tai yksi palvelu)")
    ptv.add_argument("--channels", help="asiointikanavat: /api/v11/ServiceChannel/list -vastaus")
    ptv.add_argument("--output", default=str(DEFAULT_PATHS_DIR.parent / "imported"),
                     help="kansio luonnoksille ja yhteystiedoille (oletus guidance_library/imported)")
    ptv.set_defaults(func=_import_ptv)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
