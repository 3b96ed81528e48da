"""Structure kept by administrators: a record of every structural change, and retirement instead of deletion

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    """Add structure_changes, and retired_at on areas, units and statuses."""
    op.create_table(
        "structure_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(36)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("data_before", sa.JSON, nullable=False),
        sa.Column("data_after", sa.JSON, nullable=False),
    )
    op.create_index("ix_structure_changes_subject_subject_id", "structure_changes", ["subject", "subject_id"])
    op.create_index("ix_structure_changes_changed_at", "structure_changes", ["changed_at"])
    for table in ("areas", "units", "statuses"):
        op.add_column(table, sa.Column("retired_at", sa.DateTime, nullable=True))


def downgrade():
    """Drop them."""
    for table in ("areas", "units", "statuses"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("retired_at")
    op.drop_table("structure_changes")
