"""The identified resident's own space (issue 18): secure messages, the notification outbox and the
residents' notification addresses, service-terms acceptances, self-care programme enrolments, their
progress and plan notes, and assessment results over time. No identity code: residents are a keyed
hash (`person_key`).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY = 64  # person_key: hex of HMAC-SHA256


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=f"ck_{column}_allowed")


def _moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    op.create_table(
        "secure_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("staff_account_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        _moment("created_at"),
        _moment("read_at", nullable=True),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        _one_of("sender", ("resident", "staff")),
        sa.CheckConstraint("(sender = 'staff' AND staff_account_id IS NOT NULL) OR "
                           "(sender = 'resident' AND staff_account_id IS NULL)",
                           name="ck_secure_message_sender_account"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "sender", "idempotency_key", name="uq_secure_message_submit"),
    )
    _index("secure_message", "ticket_id", "person_key")

    op.create_table(
        "notification_address",
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        _moment("updated_at"),
        _one_of("channel", ("email", "sms")),
        sa.PrimaryKeyConstraint("person_key"),
    )

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        _moment("created_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _moment("next_attempt_at"),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        _moment("sent_at", nullable=True),
        _moment("given_up_at", nullable=True),
        _one_of("channel", ("email", "sms")),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("notification_outbox", "person_key", "next_attempt_at")

    op.create_table(
        "terms_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("terms_version", sa.String(length=40), nullable=False),
        _moment("accepted_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_key", "terms_version", name="uq_terms_acceptance_version"),
    )
    _index("terms_acceptance", "person_key")

    op.create_table(
        "programme_enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("programme_id", sa.String(length=120), nullable=False),
        sa.Column("programme_version", sa.String(length=40), nullable=False),
        sa.Column("goal", sa.String(length=40), nullable=True),
        _moment("started_at"),
        sa.Column("started_by", sa.String(length=20), nullable=False),
        sa.Column("staff_account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        _moment("ended_at", nullable=True),
        _one_of("status", ("active", "finished", "stopped")),
        _one_of("started_by", ("assessment", "path", "professional")),
        sa.CheckConstraint("(started_by = 'professional' AND staff_account_id IS NOT NULL) OR "
                           "(started_by <> 'professional' AND staff_account_id IS NULL)",
                           name="ck_programme_enrolment_staff"),
        sa.ForeignKeyConstraint(["staff_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("programme_enrolment", "person_key")

    op.create_table(
        "programme_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        _moment("recorded_at"),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        _one_of("kind", ("module_done", "exercise", "checkin", "diary")),
        sa.ForeignKeyConstraint(["enrolment_id"], ["programme_enrolment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id", "idempotency_key", name="uq_programme_progress_submit"),
    )
    _index("programme_progress", "enrolment_id")

    op.create_table(
        "plan_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("staff_account_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.ForeignKeyConstraint(["enrolment_id"], ["programme_enrolment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _index("plan_note", "person_key", "enrolment_id")

    op.create_table(
        "assessment_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=KEY), nullable=False),
        sa.Column("instrument_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=120), nullable=False),
        _moment("taken_at"),
        sa.Column("idempotency_key", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_key", "idempotency_key", name="uq_assessment_result_submit"),
    )
    _index("assessment_result", "person_key")


def downgrade() -> None:
    for table in ("assessment_result", "plan_note", "programme_progress", "programme_enrolment", "terms_acceptance",
                  "notification_outbox", "notification_address", "secure_message"):
        op.drop_table(table)
