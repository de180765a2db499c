"""Path feedback and unanswered questions (the tables before migrations existed).

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "path_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path_id", sa.String(120), nullable=False, index=True),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))
    op.create_table(
        "unanswered_question",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False, index=True),
        sa.Column("best_path_id", sa.String(120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))


def downgrade() -> None:
    op.drop_table("unanswered_question")
    op.drop_table("path_feedback")
