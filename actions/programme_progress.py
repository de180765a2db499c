"""A programme's progress as a contact request carries it to the professional (pure functions).

When an identified resident leaves a contact request, the ticket's `prefilled` gets one entry per
active programme (the one whose "Tilanteeni on huonompi" started the request first):

    {"programme": "alkoholi", "title": "...", "version": "1", "started": "2026-12-01",
     "goal": "reduce", "goal_label": "Haluan vähentää juomista",
     "modules_done": 1, "modules_total": 3,
     "checkins": [{"module": "tavoite-ja-paivakirja", "question": "...", "answer": "Osana päivistä"}],
     "diary_weeks": [{"week": 1, "starts": "2026-12-01", "ends": "2026-12-07", "total": 9.0,
                      "days_recorded": 5, "dry_days": 2}],
     "reported_worse": true}

A single module a professional assigned (the enrolment's `module_id`; `programme` is then
`guidance_library.programme.as_enrolled`'s, that module alone) adds "module": its id, and its title is
"<programme> – osa: <module>", so the counts are of that one module.

`checkins` holds the latest answer per module (in module order), `diary_weeks` the last
`DIARY_WEEKS` programme weeks of the diary up to today. The progress rows are read as the own-space
door writes them: a check-in's value is the option's value (a string, or {"value": ...}); a diary
entry's value is the day's amount (a number, or {"amount"|"annokset": n, "day": "YYYY-MM-DD"}; without a
day, the day it was recorded). A value this module cannot read is left out, never guessed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Sequence

from guidance_library.programme import DiaryEntry, Programme, weekly_totals

DIARY_WEEKS = 4
AMOUNT_KEYS = ("amount", "annokset", "units")
ANSWER_KEYS = ("value", "answer", "vastaus")
MAX_ANSWER_CHARS = 200


def _amount(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = next((value[k] for k in AMOUNT_KEYS if k in value), None)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return float(value)


def _day(value: Any, recorded: dt.date) -> dt.date | None:
    given = value.get("day") or value.get("date") if isinstance(value, Mapping) else None
    if given is None:
        return recorded
    try:
        return dt.date.fromisoformat(str(given))
    except ValueError:
        return None


def _answer(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = next((value[k] for k in ANSWER_KEYS if k in value), None)
    return str(value)[:MAX_ANSWER_CHARS] if isinstance(value, (str, int, float)) and str(value).strip() else None


def diary_entries(entries: Iterable[Any], started: dt.date, today: dt.date,
                  local_date: Any) -> list[DiaryEntry]:
    """The readable diary entries between the start and today (`local_date(recorded_at)`: its date)."""
    found = []
    for entry in entries:
        if entry.kind != "diary":
            continue
        amount, day = _amount(entry.value), _day(entry.value, local_date(entry.recorded_at))
        if amount is not None and day is not None and started <= day <= today:
            found.append(DiaryEntry(day, amount))
    return found


def latest_checkins(programme: Programme, entries: Sequence[Any]) -> list[dict[str, str]]:
    """The latest check-in answer of each module (module order), with the question and the option's label."""
    latest: dict[str, str] = {}
    for entry in entries:  # oldest first: a later answer replaces an earlier one
        answer = _answer(entry.value) if entry.kind == "checkin" else None
        if answer is not None and entry.module_id:
            latest[entry.module_id] = answer
    out = []
    for module in programme.modules:
        if module.id in latest:
            labels = {o.value: o.label for o in module.check_in.options}
            out.append({"module": module.id, "question": module.check_in.question,
                        "answer": labels.get(latest[module.id], latest[module.id])})
    return out


def snapshot(programme: Programme, enrolment: Any, entries: Sequence[Any], today: dt.date, local_date: Any,
             reported_worse: bool = False) -> dict[str, Any]:
    """One active enrolment's progress for a ticket (the shape in the module's docstring)."""
    started = local_date(enrolment.started_at)
    done = {e.module_id for e in entries if e.kind == "module_done" and e.module_id}
    goal = next((g for g in (programme.goals.options if programme.goals else ()) if g.value == enrolment.goal), None)
    item: dict[str, Any] = {
        "programme": programme.id, "title": programme.title, "version": str(enrolment.programme_version),
        "started": started.isoformat(), "modules_done": len(done & {m.id for m in programme.modules}),
        "modules_total": len(programme.modules), "checkins": latest_checkins(programme, entries),
        "reported_worse": reported_worse}
    module = programme.module(enrolment.module_id) if getattr(enrolment, "module_id", None) else None
    if module is not None:
        item["module"] = module.id
        item["title"] = f"{programme.title} – osa: {module.title}"
    if enrolment.goal:
        item["goal"] = enrolment.goal
        item["goal_label"] = goal.label if goal else enrolment.goal
    if programme.diary is not None:
        diary = diary_entries(entries, started, today, local_date)
        weeks = weekly_totals(diary, started, today) if diary else []
        item["diary_weeks"] = [{"week": w.week, "starts": w.starts.isoformat(), "ends": w.ends.isoformat(),
                                "total": w.total, "days_recorded": w.days_recorded, "dry_days": w.dry_days}
                               for w in weeks[-DIARY_WEEKS:]]
    return item
