"""A professional assigns a single module of a self-care programme (issue 18): an enrolment may name
one module of its programme (`module_id`); such an enrolment holds only that module, open from its
start whatever the module's day in the whole programme. NULL: the whole programme, as before.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_enrolment") as batch:
        batch.add_column(sa.Column("module_id", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programme_enrolment") as batch:
        batch.drop_column("module_id")
