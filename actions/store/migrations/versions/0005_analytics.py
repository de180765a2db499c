"""Analytics events for the management view, and the role `manager` that reads them.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('professional', 'editor', 'admin')"
NEW_ROLES = "role IN ('professional', 'editor', 'admin', 'manager')"
KINDS = ("conversation_started", "guidance", "feedback", "emergency", "assessment_completed",
         "handoff_requested", "handoff_taken", "ticket_created", "ticket_closed")


def _roles(condition: str) -> None:
    with op.batch_alter_table("account", recreate="auto") as batch:
        batch.drop_constraint("ck_role_allowed", type_="check")
        batch.create_check_constraint("ck_role_allowed", condition)


def upgrade() -> None:
    op.create_table(
        "analytics_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("conversation", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("path_id", sa.String(length=120), nullable=True),
        sa.Column("topic_id", sa.String(length=120), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=True),
        sa.Column("contact_role", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("answer_by_met", sa.Boolean(), nullable=True),
        sa.CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in KINDS)), name="ck_kind_allowed"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "day", "kind", "conversation"):
        op.create_index(f"ix_analytics_event_{column}", "analytics_event", [column])
    _roles(NEW_ROLES)


def downgrade() -> None:
    _roles(OLD_ROLES)
    op.drop_table("analytics_event")
