"""The ledger columns an area's importers corrected, kept for their next import

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    """Add ledger_mappings."""
    op.create_table(
        "ledger_mappings",
        sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", name="fk_ledger_mappings_area_id_areas"),
                  primary_key=True),
        sa.Column("columns", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )


def downgrade():
    """Drop it."""
    op.drop_table("ledger_mappings")
