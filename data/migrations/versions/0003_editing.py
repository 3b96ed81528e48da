"""Editing: dated statuses in the catalogue; each change's resulting unit version and batch comment

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires_dates', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('default_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_to', sa.String(length=32), nullable=True))
    with op.batch_alter_table('unit_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.String(length=500), nullable=True))
    statuses = sa.table('statuses', sa.column('code', sa.String), sa.column('requires_dates', sa.Boolean),
                        sa.column('default_days', sa.Integer), sa.column('expires_to', sa.String))
    op.execute(statuses.update().where(statuses.c.code == 'quarantined')
               .values(requires_dates=True, default_days=14, expires_to='healthy'))
    # Existing history: number each unit's changes in order, so that "changed since version N" can be answered.
    op.execute("""
        UPDATE unit_changes SET unit_version = (
            SELECT count(*) FROM unit_changes AS earlier
            WHERE earlier.unit_id = unit_changes.unit_id
              AND (earlier.changed_at < unit_changes.changed_at
                   OR (earlier.changed_at = unit_changes.changed_at AND earlier.id <= unit_changes.id)))
    """)


def downgrade() -> None:
    with op.batch_alter_table('unit_changes', schema=None) as batch_op:
        batch_op.drop_column('comment')
        batch_op.drop_column('unit_version')
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('expires_to')
        batch_op.drop_column('default_days')
        batch_op.drop_column('requires_dates')
