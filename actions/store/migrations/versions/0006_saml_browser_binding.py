"""Strong identification: a SAML request remembers the browser that asked for it (hash of a cookie).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saml_request") as batch:
        batch.add_column(sa.Column("browser_binding", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("saml_request") as batch:
        batch.drop_column("browser_binding")
