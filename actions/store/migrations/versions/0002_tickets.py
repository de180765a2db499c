"""Contact-request tickets, professional accounts and sessions, notes, access log.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('professional', 'editor', 'admin')", name='ck_role_allowed'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('account_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('account_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_session_account_id'), ['account_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('conversation_id', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('contact_role', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('topic_id', sa.String(length=120), nullable=True),
    sa.Column('path_id', sa.String(length=120), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('resident_words', sa.Text(), nullable=False),
    sa.Column('prefilled', sa.JSON(), nullable=False),
    sa.Column('assessment', sa.JSON(), nullable=True),
    sa.Column('contact_method', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('reach_time', sa.String(length=200), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('identity_code', sa.String(length=11), nullable=True),
    sa.Column('identity_name', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_by', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('anonymous_chat', 'identified_chat')", name='ck_channel_allowed'),
    sa.CheckConstraint("contact_method IN ('phone', 'secure_message')", name='ck_contact_method_allowed'),
    sa.CheckConstraint("contact_role IN ('resident', 'relative', 'professional', 'other')", name='ck_contact_role_allowed'),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('no_further_need', 'referred_within_region', 'referred_elsewhere')", name='ck_outcome_allowed'),
    sa.CheckConstraint("reason IN ('health', 'social', 'booking', 'contact_details', 'digital_help', 'documents', 'on_behalf')", name='ck_reason_allowed'),
    sa.CheckConstraint("status IN ('new', 'claimed', 'in_progress', 'closed')", name='ck_status_allowed'),
    sa.CheckConstraint("urgency IN ('urgent', 'normal')", name='ck_urgency_allowed'),
    sa.ForeignKeyConstraint(['assignee_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_answer_by'), ['answer_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_topic_id'), ['topic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_urgency'), ['urgency'], unique=False)

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_note_ticket_id'), ['ticket_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ticket_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_note_ticket_id'))

    op.drop_table('ticket_note')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_at'))
        batch_op.drop_index(batch_op.f('ix_access_log_account_id'))

    op.drop_table('access_log')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_urgency'))
        batch_op.drop_index(batch_op.f('ix_ticket_topic_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_ticket_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_answer_by'))

    op.drop_table('ticket')
    with op.batch_alter_table('account_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_session_account_id'))

    op.drop_table('account_session')
    op.drop_table('account')

