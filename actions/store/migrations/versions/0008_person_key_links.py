"""The person key (issue 18) on the two rows that link a conversation to a strongly identified person:
the identified session (so the resident's own space knows whose rows to show, from the server-side
session alone) and the contact-request ticket (so the resident's own requests can be listed).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KEY = 64  # person_key: hex of HMAC-SHA256
TABLES = ("identified_session", "ticket")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("person_key", sa.String(length=KEY), nullable=True))
            batch.create_index(f"ix_{table}_person_key", ["person_key"])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_person_key")
            batch.drop_column("person_key")
