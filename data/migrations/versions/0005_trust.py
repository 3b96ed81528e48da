"""Editing trust: residents and staff counted apart, a catalogue of unit uses with plausible ranges, unoccupied statuses

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DEFAULT_USES = [
    {"code": "home", "label_zh": "住户", "label_en": "Home", "max_residents": 20, "max_staff": 0, "sort_order": 1},
    {"code": "firm", "label_zh": "企业", "label_en": "Firm", "max_residents": 0, "max_staff": 5000, "sort_order": 2},
    {"code": "mixed", "label_zh": "企住一体", "label_en": "Firm and home", "max_residents": 20, "max_staff": 5000,
     "sort_order": 3},
]
ROLLUP = """
    INSERT INTO area_counts (area_id, status, use, units, residents, staff)
    SELECT ancestor.id, units.status, units.use, count(*), sum(units.residents), sum(units.staff)
    FROM units JOIN buildings ON buildings.id = units.building_id
    JOIN areas AS leaf ON leaf.id = buildings.area_id
    JOIN areas AS ancestor ON leaf.path LIKE ancestor.path || '%'
    GROUP BY ancestor.id, units.status, units.use
"""


def upgrade() -> None:
    uses = op.create_table('unit_uses',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('label_zh', sa.String(length=100), nullable=False),
    sa.Column('label_en', sa.String(length=100), nullable=False),
    sa.Column('max_residents', sa.Integer(), nullable=False),
    sa.Column('max_staff', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_unit_uses'))
    )
    op.bulk_insert(uses, DEFAULT_USES)
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unoccupied', sa.Boolean(), server_default='0', nullable=False))
    statuses = sa.table('statuses', sa.column('code', sa.String), sa.column('unoccupied', sa.Boolean))
    op.execute(statuses.update().where(statuses.c.code == 'vacant').values(unoccupied=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('residents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('staff', sa.Integer(), server_default='0', nullable=False))
    # One head count becomes residents for homes and staff for firms; a mixed unit's count was its firm's staff.
    op.execute("UPDATE units SET residents = head_count WHERE use = 'home'")
    op.execute("UPDATE units SET staff = head_count WHERE use <> 'home'")
    # Dropped in place: a batch copy of `units` would break the foreign keys of its history on SQLite.
    op.execute("ALTER TABLE units DROP COLUMN head_count")
    op.execute("DELETE FROM area_counts")
    with op.batch_alter_table('area_counts', schema=None) as batch_op:
        batch_op.drop_column('people')
        batch_op.add_column(sa.Column('residents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('staff', sa.Integer(), server_default='0', nullable=False))
    op.execute(ROLLUP)


def downgrade() -> None:
    op.execute("DELETE FROM area_counts")
    with op.batch_alter_table('area_counts', schema=None) as batch_op:
        batch_op.drop_column('staff')
        batch_op.drop_column('residents')
        batch_op.add_column(sa.Column('people', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_count', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE units SET head_count = residents + staff")
    op.execute("ALTER TABLE units DROP COLUMN staff")
    op.execute("ALTER TABLE units DROP COLUMN residents")
    op.execute("""
        INSERT INTO area_counts (area_id, status, use, units, people)
        SELECT ancestor.id, units.status, units.use, count(*), sum(units.head_count)
        FROM units JOIN buildings ON buildings.id = units.building_id
        JOIN areas AS leaf ON leaf.id = buildings.area_id
        JOIN areas AS ancestor ON leaf.path LIKE ancestor.path || '%'
        GROUP BY ancestor.id, units.status, units.use
    """)
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('unoccupied')
    op.drop_table('unit_uses')
