"""Editors' tools: coverage and conflicts on held-out phrasings, scaffolding, export."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from contextlib import redirect_stdout

from guidance_library.loader import DEFAULT_PATHS_DIR
from guidance_library.tools import cli
from guidance_library.tools.quality import conflicts, coverage, held_out_answers


def test_coverage_and_conflicts_find_a_path_that_is_a_copy_of_another(library, analyzer):
    base = [p for p in library.paths if p.id in {"flunssa", "selkakipu", "hammashoito-ajanvaraus", "uniongelmat"}]
    twin = dataclasses.replace(base[0], id="kaksoispolku")  # same phrasings as base[0]: unreachable twin
    small = dataclasses.replace(library, paths=(*base, twin))
    answers = held_out_answers(small, analyzer, None, folds=2)
    rows = {row.path_id: row for row in coverage(answers)}
    assert rows["selkakipu"].share == 1.0
    assert rows[base[0].id].share + rows["kaksoispolku"].share <= 1.0  # the twins split their phrasings
    pairs = conflicts(answers)
    assert any({own, winner} == {base[0].id, "kaksoispolku"} for own, winner in pairs)


def test_the_held_out_measure_tells_each_folds_start_and_asks_every_phrasing_once(library, analyzer):
    chosen = {"flunssa", "selkakipu", "hammashoito-ajanvaraus", "uniongelmat"}
    small = dataclasses.replace(library, paths=tuple(p for p in library.paths if p.id in chosen))
    told: list[tuple[int, int, int]] = []
    answers = held_out_answers(small, analyzer, None, folds=3, progress=lambda *fold: told.append(fold))
    assert [(fold, folds) for fold, folds, _ in told] == [(1, 3), (2, 3), (3, 3)]
    assert sum(asked for _, _, asked in told) == len(answers) == sum(len(p.examples) for p in small.paths)


def test_a_library_of_two_topics_is_measured_too(library, analyzer):
    small = dataclasses.replace(library, paths=tuple(p for p in library.paths if p.topic in {"flunssa", "selkakipu"}))
    answers = held_out_answers(small, analyzer, None, folds=2)  # a binary topic classifier inside
    assert len(answers) == sum(len(p.examples) for p in small.paths)
    assert sum(a.winner == a.path_id for a in answers) > len(answers) / 2


def test_new_scaffolds_a_draft_in_the_topic_area(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "DEFAULT_PATHS_DIR", tmp_path)
    assert cli.main(["new", "flunssa", "lapset"]) == 0
    text = (tmp_path / "omahoito" / "flunssa-lapset.yml").read_text(encoding="utf-8")
    assert "id: flunssa-lapset" in text and "status: draft" in text and "{{contacts.client_guidance.phone}}" in text
    assert cli.main(["new", "flunssa", "lapset"]) == 1   # never overwrites
    assert cli.main(["new", "ei-aihe", "x"]) == 1


def test_export_lists_every_path_with_its_answer(library):
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["id"] for r in rows} >= {p.id for p in library.paths}
    assert all(r["answer"] and r["file"].startswith("paths/") for r in rows)
    out = io.StringIO()
    with redirect_stdout(out):
        cli.main(["export", "--format", "json"])
    assert json.loads(out.getvalue())[0].keys() >= {"id", "topic", "title", "examples", "status"}


def test_validate_exit_code_tells_editors_if_something_is_wrong(tmp_path, monkeypatch, capsys):
    assert cli.main(["validate"]) == 0
    assert "Kunnossa" in capsys.readouterr().out
    assert DEFAULT_PATHS_DIR.exists()


def test_gaps_report_groups_unanswered_questions_and_shows_feedback(tmp_path, capsys):
    from actions.store.database import make_engine, make_session_factory
    from actions.store.feedback import record_feedback
    from actions.store.gaps import record_gap

    url = f"sqlite:///{tmp_path / 'a.db'}"
    sessions = make_session_factory(make_engine(url))
    with sessions() as session, session.begin():
        for _ in range(3):
            record_gap(session, "koiran rokotukset", "out_of_scope", None)
        record_gap(session, "missä on [NIMI] vastaanotto", "no_match", "ajanvaraus-terveysasema")
        record_feedback(session, "flunssa", True)
        record_feedback(session, "flunssa", False)
    assert cli.main(["gaps", "--database", url]) == 0
    out = capsys.readouterr().out
    assert "   3  ei palvelun aihe" in out and '"koiran rokotukset (3)"' in out
    assert "lähin polku ajanvaraus-terveysasema" in out
    assert "flunssa: 1 / 1" in out
