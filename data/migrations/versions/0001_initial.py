"""Initial schema and the default status catalogue (the 2020 campaign's colours, as README describes them)

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# Frozen copy of the defaults: later catalogue edits are data changes, not edits of this file.
DEFAULT_STATUSES = [
    {"code": "healthy", "label_zh": "健康住户", "label_en": "Healthy household", "color": "#FFD54F",
     "text_code": "H", "pattern": "solid", "sort_order": 10, "applies_to": ["home", "mixed"]},
    {"code": "quarantined", "label_zh": "居家隔离", "label_en": "Home quarantine", "color": "#E53935",
     "text_code": "Q", "pattern": "solid", "sort_order": 20, "applies_to": ["home", "mixed"]},
    {"code": "not_reopened", "label_zh": "未复工", "label_en": "Not reopened", "color": "#1E88E5",
     "text_code": "N", "pattern": "solid", "sort_order": 30, "applies_to": ["firm", "mixed"]},
    {"code": "reopened", "label_zh": "已复工", "label_en": "Reopened", "color": "#43A047",
     "text_code": "R", "pattern": "solid", "sort_order": 40, "applies_to": ["firm", "mixed"]},
    {"code": "vacant", "label_zh": "空置", "label_en": "Vacant", "color": "#FFFFFF",
     "text_code": "V", "pattern": "outline", "sort_order": 50, "applies_to": ["home", "firm", "mixed"]},
    {"code": "unverified", "label_zh": "待核实", "label_en": "Unverified", "color": "#E0E0E0",
     "text_code": "?", "pattern": "hatched", "sort_order": 60, "applies_to": ["home", "firm", "mixed"]},
]


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_path'), ['path'], unique=False)

    statuses = op.create_table('statuses',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label_zh', sa.String(length=100), nullable=False),
    sa.Column('label_en', sa.String(length=100), nullable=False),
    sa.Column('color', sa.String(length=7), nullable=False),
    sa.Column('text_code', sa.String(length=4), nullable=False),
    sa.Column('pattern', sa.String(length=16), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('applies_to', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_statuses'))
    )
    op.create_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_buildings_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buildings'))
    )
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buildings_area_id'), ['area_id'], unique=False)

    op.create_table(
        "building_status_counts",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_building_status_counts_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["status"], ["statuses.code"], name=op.f("fk_building_status_counts_status_statuses")),
        sa.PrimaryKeyConstraint("building_id", "status", name=op.f("pk_building_status_counts")),
    )
    op.create_table('entrances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_entrances_building_id_buildings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entrances')),
    sa.UniqueConstraint('building_id', 'position', name=op.f('uq_entrances_building_id_position'))
    )
    op.create_table('floors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entrance_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entrance_id'], ['entrances.id'], name=op.f('fk_floors_entrance_id_entrances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_floors')),
    sa.UniqueConstraint('entrance_id', 'level', name=op.f('uq_floors_entrance_id_level'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('entrance_id', sa.Integer(), nullable=False),
    sa.Column('floor_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('occupant_name', sa.String(length=200), nullable=False),
    sa.Column('head_count', sa.Integer(), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_since', sa.DateTime(), nullable=False),
    sa.Column('quarantine_start', sa.Date(), nullable=True),
    sa.Column('quarantine_end', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('verified_by', sa.String(length=100), nullable=True),
    sa.Column('verified_source', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_units_building_id_buildings')),
    sa.ForeignKeyConstraint(['entrance_id'], ['entrances.id'], name=op.f('fk_units_entrance_id_entrances')),
    sa.ForeignKeyConstraint(['floor_id'], ['floors.id'], name=op.f('fk_units_floor_id_floors')),
    sa.ForeignKeyConstraint(['status'], ['statuses.code'], name=op.f('fk_units_status_statuses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('floor_id', 'position', name=op.f('uq_units_floor_id_position'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_building_id'), ['building_id'], unique=False)

    op.create_table('unit_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('status_before', sa.String(length=32), nullable=True),
    sa.Column('status_after', sa.String(length=32), nullable=True),
    sa.Column('data_before', sa.JSON(), nullable=False),
    sa.Column('data_after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_unit_changes_building_id_buildings')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_changes_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_changes'))
    )
    with op.batch_alter_table('unit_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_changes_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(
            batch_op.f("ix_unit_changes_building_id_changed_at"), ["building_id", "changed_at"], unique=False
        )
        batch_op.create_index(batch_op.f('ix_unit_changes_unit_id_changed_at'), ['unit_id', 'changed_at'], unique=False)

    op.bulk_insert(statuses, DEFAULT_STATUSES)



def downgrade() -> None:
    with op.batch_alter_table('unit_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_changes_unit_id_changed_at'))
        batch_op.drop_index(batch_op.f('ix_unit_changes_building_id_changed_at'))
        batch_op.drop_index(batch_op.f('ix_unit_changes_batch_id'))

    op.drop_table('unit_changes')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_building_id'))

    op.drop_table('units')
    op.drop_table('floors')
    op.drop_table('entrances')
    op.drop_table('building_status_counts')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buildings_area_id'))

    op.drop_table('buildings')
    op.drop_table('statuses')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_path'))

    op.drop_table('areas')
