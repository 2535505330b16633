"""email channel: mailboxes, sync state, Message-ID index, quarantine, outbox

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-01 13:10:10.271738
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('imap_host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('imap_port', sa.Integer(), nullable=False),
    sa.Column('imap_security', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('imap_user', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('imap_password', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('imap_folder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('smtp_host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('smtp_port', sa.Integer(), nullable=False),
    sa.Column('smtp_security', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('smtp_user', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('smtp_password', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('acknowledge', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('address')
    )
    op.create_table('email_quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('storage_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mailbox_id'], ['email_mailboxes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mailbox_id', 'sha256', name='uq_email_quarantine_raw')
    )
    with op.batch_alter_table('email_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_quarantine_mailbox_id'), ['mailbox_id'], unique=False)

    op.create_table('email_sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=False),
    sa.Column('folder', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mailbox_id'], ['email_mailboxes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mailbox_id', 'folder', name='uq_email_sync_folder')
    )
    op.create_table('email_message_ids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'message_id', name='uq_email_message_id_customer')
    )
    with op.batch_alter_table('email_message_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_message_ids_interaction_id'), ['interaction_id'], unique=False)
        batch_op.create_index('ix_email_message_ids_message_id', ['message_id'], unique=False)

    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailbox_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ),
    sa.ForeignKeyConstraint(['mailbox_id'], ['email_mailboxes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_outbox_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_outbox_message_id'))
        batch_op.drop_index('ix_email_outbox_due')

    op.drop_table('email_outbox')
    with op.batch_alter_table('email_message_ids', schema=None) as batch_op:
        batch_op.drop_index('ix_email_message_ids_message_id')
        batch_op.drop_index(batch_op.f('ix_email_message_ids_interaction_id'))

    op.drop_table('email_message_ids')
    op.drop_table('email_sync_state')
    with op.batch_alter_table('email_quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_quarantine_mailbox_id'))

    op.drop_table('email_quarantine')
    op.drop_table('email_mailboxes')
