"""telephony: numbers with IVR, agent phones, call records, SMS opt-outs, processed webhooks

Revision ID: 0005
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processed_webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('sms_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('keyword', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('agent_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('client_identity', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('phone_number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('extension', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id'),
    sa.UniqueConstraint('extension')
    )
    op.create_table('phone_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('greeting', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('menu', sa.JSON(), nullable=False),
    sa.Column('default_queue_id', sa.Integer(), nullable=True),
    sa.Column('business_hours', sa.JSON(), nullable=False),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('after_hours_message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('help_reply', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['default_queue_id'], ['queues.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('call_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('call_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('from_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('to_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('ivr_choice', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('queued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('talk_seconds', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('recording_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('transcription', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'call_id', name='uq_call_provider_id')
    )
    op.create_index(op.f('ix_call_records_customer_id'), 'call_records', ['customer_id'], unique=False)
    op.create_index(op.f('ix_call_records_interaction_id'), 'call_records', ['interaction_id'], unique=False)
    op.create_index(op.f('ix_call_records_state'), 'call_records', ['state'], unique=False)
    # ### end Alembic commands ###



def downgrade() -> None:
    op.drop_index(op.f("ix_call_records_state"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_interaction_id"), table_name="call_records")
    op.drop_index(op.f("ix_call_records_customer_id"), table_name="call_records")
    op.drop_table('call_records')
    op.drop_table('agent_endpoints')
    op.drop_table('phone_numbers')
    op.drop_table('processed_webhooks')
    op.drop_table('sms_opt_outs')
