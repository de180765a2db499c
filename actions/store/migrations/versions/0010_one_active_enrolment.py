"""Issue 18's review: a double submit stores one.

* Programme enrolments: at most one active enrolment per person and programme (the whole programme), and
  one per person and single module: two partial unique indexes (a NULL `module_id` would never collide in
  one index). Duplicates made before this are ended (`stopped`), the oldest kept. `started_by` may be
  `resident`: a resident's own start from the list in Omat asiat.
* Programme progress: a diary entry names its day (`day`), one entry per enrolment and day; a later entry
  of the day replaces the earlier. Older same-day entries are merged here: the latest is kept.
* Plan notes: the submit's idempotency key (NULL for notes written before), unique per person.

Revision ID: 0010
Revises: 0009
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STARTERS_BEFORE = ("assessment", "path", "professional")
STARTERS = ("assessment", "path", "resident", "professional")
ACTIVE_WHOLE = "status = 'active' AND module_id IS NULL"
ACTIVE_MODULE = "status = 'active' AND module_id IS NOT NULL"


def _starters(values: tuple[str, ...]) -> str:
    return "started_by IN ({})".format(", ".join(f"'{v}'" for v in values))


def _end_duplicate_enrolments() -> None:
    bind = op.get_bind()
    enrolment = sa.table("programme_enrolment", sa.column("id", sa.Integer), sa.column("person_key", sa.String),
                         sa.column("programme_id", sa.String), sa.column("module_id", sa.String),
                         sa.column("status", sa.String), sa.column("ended_at", sa.DateTime(timezone=True)))
    seen: set[tuple] = set()
    rows = bind.execute(sa.select(enrolment.c.id, enrolment.c.person_key, enrolment.c.programme_id,
                                  enrolment.c.module_id).where(enrolment.c.status == "active")
                        .order_by(enrolment.c.id)).all()
    for row in rows:
        key = (row.person_key, row.programme_id, row.module_id)
        if key in seen:
            bind.execute(enrolment.update().where(enrolment.c.id == row.id)
                         .values(status="stopped", ended_at=dt.datetime.now(dt.timezone.utc)))
        seen.add(key)


def _date_diary_entries() -> None:
    """Each diary entry gets its day from its value ({"day": "YYYY-MM-DD", ...}); of one day's entries the
    latest stays."""
    bind = op.get_bind()
    progress = sa.table("programme_progress", sa.column("id", sa.Integer), sa.column("enrolment_id", sa.Integer),
                        sa.column("kind", sa.String), sa.column("value", sa.JSON), sa.column("day", sa.Date))
    rows = bind.execute(sa.select(progress.c.id, progress.c.enrolment_id, progress.c.value)
                        .where(progress.c.kind == "diary").order_by(progress.c.id.desc())).all()
    kept: set[tuple] = set()
    for row in rows:  # the newest first
        value = row.value if isinstance(row.value, dict) else {}
        try:
            day = dt.date.fromisoformat(str(value.get("day")))
        except ValueError:
            continue  # no readable day: left as it is (no reader counts it)
        if (row.enrolment_id, day) in kept:
            bind.execute(progress.delete().where(progress.c.id == row.id))
            continue
        kept.add((row.enrolment_id, day))
        bind.execute(progress.update().where(progress.c.id == row.id).values(day=day))


def upgrade() -> None:
    _end_duplicate_enrolments()
    with op.batch_alter_table("programme_enrolment") as batch:
        batch.drop_constraint("ck_started_by_allowed", type_="check")
        batch.create_check_constraint("ck_started_by_allowed", _starters(STARTERS))
    op.create_index("uq_programme_enrolment_active", "programme_enrolment", ["person_key", "programme_id"],
                    unique=True, sqlite_where=sa.text(ACTIVE_WHOLE), postgresql_where=sa.text(ACTIVE_WHOLE))
    op.create_index("uq_programme_enrolment_active_module", "programme_enrolment",
                    ["person_key", "programme_id", "module_id"], unique=True,
                    sqlite_where=sa.text(ACTIVE_MODULE), postgresql_where=sa.text(ACTIVE_MODULE))

    with op.batch_alter_table("programme_progress") as batch:
        batch.add_column(sa.Column("day", sa.Date(), nullable=True))
    _date_diary_entries()
    with op.batch_alter_table("programme_progress") as batch:
        batch.create_unique_constraint("uq_programme_progress_diary_day", ["enrolment_id", "day"])

    with op.batch_alter_table("plan_note") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=120), nullable=True))
        batch.create_unique_constraint("uq_plan_note_submit", ["person_key", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("plan_note") as batch:
        batch.drop_constraint("uq_plan_note_submit", type_="unique")
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("programme_progress") as batch:
        batch.drop_constraint("uq_programme_progress_diary_day", type_="unique")
        batch.drop_column("day")
    op.drop_index("uq_programme_enrolment_active_module", "programme_enrolment")
    op.drop_index("uq_programme_enrolment_active", "programme_enrolment")
    op.execute("UPDATE programme_enrolment SET started_by = 'path' WHERE started_by = 'resident'")
    with op.batch_alter_table("programme_enrolment") as batch:
        batch.drop_constraint("ck_started_by_allowed", type_="check")
        batch.create_check_constraint("ck_started_by_allowed", _starters(STARTERS_BEFORE))
