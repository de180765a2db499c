"""Issue 20: one record for every contact.

* `contact_record`: a contact as a professional recorded it (channel, contactor, reasons, onward guidance
  with the region's service area, the path given), at most one per ticket and per live chat.
* Tickets may come from a recorded contact (channel `recorded_contact`: its follow-up).
* Analytics: the kinds `contact_recorded` and `contact_reason`, and the dimension `service_area`.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TICKET_CHANNELS_BEFORE = ("anonymous_chat", "identified_chat")
TICKET_CHANNELS = ("anonymous_chat", "identified_chat", "recorded_contact")
KINDS_BEFORE = ("conversation_started", "guidance", "feedback", "emergency", "assessment_completed",
                "handoff_requested", "handoff_taken", "ticket_created", "ticket_closed")
KINDS = KINDS_BEFORE + ("contact_recorded", "contact_reason")
CONTACT_CHANNELS = ("phone", "chat", "secure_message", "email", "walk_in", "other")
CONTACTORS = ("resident", "relative", "professional", "other", "unknown")
OUTCOMES = ("no_further_need", "referred_within_region", "referred_elsewhere")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def _check(table: str, name: str, condition: str) -> None:
    """Replace a check constraint (SQLite: the table is recreated by the batch)."""
    with op.batch_alter_table(table, recreate="auto") as batch:
        batch.drop_constraint(name, type_="check")
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    op.create_table(
        "contact_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("contactor", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("onward", sa.String(length=30), nullable=False),
        sa.Column("service_area", sa.String(length=60), nullable=True),
        sa.Column("path_id", sa.String(length=120), nullable=True),
        sa.Column("path_sent_via", sa.String(length=10), nullable=True),
        sa.Column("follow_up_ticket_id", sa.Integer(), nullable=True),
        sa.Column("source_ticket_id", sa.Integer(), nullable=True),
        sa.Column("source_handoff_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("channel", CONTACT_CHANNELS), name="ck_channel_allowed"),
        sa.CheckConstraint(_in("contactor", CONTACTORS), name="ck_contactor_allowed"),
        sa.CheckConstraint(_in("onward", OUTCOMES), name="ck_onward_allowed"),
        sa.CheckConstraint("path_sent_via IS NULL OR path_sent_via IN ('sms', 'email')",
                           name="ck_path_sent_via_allowed"),
        sa.CheckConstraint("(onward = 'referred_within_region' AND service_area IS NOT NULL) OR "
                           "(onward <> 'referred_within_region' AND service_area IS NULL)",
                           name="ck_contact_record_service_area"),
        sa.ForeignKeyConstraint(["recorded_by"], ["account.id"]),
        sa.ForeignKeyConstraint(["follow_up_ticket_id"], ["ticket.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_ticket_id"], ["ticket.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["source_handoff_id"], ["handoff.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("source_ticket_id"),
        sa.UniqueConstraint("source_handoff_id"),
    )
    for column in ("recorded_by", "contact_at", "follow_up_ticket_id"):
        op.create_index(f"ix_contact_record_{column}", "contact_record", [column])
    _check("ticket", "ck_channel_allowed", _in("channel", TICKET_CHANNELS))
    with op.batch_alter_table("analytics_event", recreate="auto") as batch:
        batch.add_column(sa.Column("service_area", sa.String(length=60), nullable=True))
        batch.drop_constraint("ck_kind_allowed", type_="check")
        batch.create_check_constraint("ck_kind_allowed", _in("kind", KINDS))


def downgrade() -> None:
    op.execute("DELETE FROM analytics_event WHERE kind IN ('contact_recorded', 'contact_reason')")
    with op.batch_alter_table("analytics_event", recreate="auto") as batch:
        batch.drop_constraint("ck_kind_allowed", type_="check")
        batch.create_check_constraint("ck_kind_allowed", _in("kind", KINDS_BEFORE))
        batch.drop_column("service_area")
    op.drop_table("contact_record")
    op.execute("UPDATE ticket SET channel = 'anonymous_chat' WHERE channel = 'recorded_contact'")
    _check("ticket", "ck_channel_allowed", _in("channel", TICKET_CHANNELS_BEFORE))
