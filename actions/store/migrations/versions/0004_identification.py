"""Strong identification: SAML requests in flight, assertions seen (replay), identified chat sessions.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saml_request",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("carry_over_conversation", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "saml_assertion_seen",
        sa.Column("assertion_id", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("keep_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assertion_id"),
    )
    op.create_index(op.f("ix_saml_assertion_seen_keep_until"), "saml_assertion_seen", ["keep_until"], unique=False)
    op.create_table(
        "identified_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("name_id", sa.Text(), nullable=True),
        sa.Column("session_index", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(op.f("ix_identified_session_conversation_id"), "identified_session", ["conversation_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_identified_session_conversation_id"), table_name="identified_session")
    op.drop_table("identified_session")
    op.drop_index(op.f("ix_saml_assertion_seen_keep_until"), table_name="saml_assertion_seen")
    op.drop_table("saml_assertion_seen")
    op.drop_table("saml_request")
