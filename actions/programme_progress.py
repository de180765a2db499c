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
entry's value is {"day": "YYYY-MM-DD", "amount": n}, the one shape the store keeps (one entry a day).

The diary's reader (`diary_entries`) and its weeks as JSON (`weeks_json`, `diary_weeks`) are the ones
every view uses: the resident's own space, the professional's overview and the contact request.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Sequence

from actions.store.access import InputRefused
from actions.store.own_space import diary_day
from guidance_library.programme import DiaryEntry, Programme, WeekTotal, weekly_totals

DIARY_WEEKS = 4
ANSWER_KEYS = ("value", "answer", "vastaus")
MAX_ANSWER_CHARS = 200


def _answer(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = next((value[k] for k in ANSWER_KEYS if k in value), None)
    return str(value)[:MAX_ANSWER_CHARS] if isinstance(value, (str, int, float)) and str(value).strip() else None


def diary_entries(entries: Iterable[Any], started: dt.date, until: dt.date) -> list[DiaryEntry]:
    """The diary's days from the start to `until` (progress rows, oldest first): {"day", "amount"} values; a
    value of another shape is left out, never guessed."""
    found = []
    for entry in entries:
        if entry.kind != "diary":
            continue
        try:
            day = diary_day(entry.value)
        except InputRefused:
            continue
        if started <= day <= until:
            found.append(DiaryEntry(day, float(entry.value["amount"])))
    return found


def weeks_json(weeks: Iterable[WeekTotal]) -> list[dict[str, Any]]:
    """Diary weeks as the views send them."""
    return [{"week": w.week, "starts": w.starts.isoformat(), "ends": w.ends.isoformat(), "total": w.total,
             "days_recorded": w.days_recorded, "dry_days": w.dry_days} for w in weeks]


def diary_weeks(entries: Iterable[Any], started: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Every programme week of the diary from the start to `until` (a week without entries too), as JSON;
    none when `until` is before the start."""
    if until < started:
        return []
    return weeks_json(weekly_totals(diary_entries(entries, started, until), started, until))


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
        diary = diary_entries(entries, started, today)
        item["diary_weeks"] = weeks_json(weekly_totals(diary, started, today)[-DIARY_WEEKS:]) if diary else []
    return item
