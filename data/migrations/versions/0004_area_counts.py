"""Leaders: area rollups and daily deltas (maintained with each change), door-knock statuses

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_counts',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_counts_area_id_areas')),
    sa.ForeignKeyConstraint(['status'], ['statuses.code'], name=op.f('fk_area_counts_status_statuses')),
    sa.PrimaryKeyConstraint('area_id', 'status', 'use', name=op.f('pk_area_counts'))
    )
    op.execute("""
        INSERT INTO area_counts (area_id, status, use, units, people)
        SELECT ancestor.id, units.status, units.use, count(*), sum(units.head_count)
        FROM units JOIN buildings ON buildings.id = units.building_id
        JOIN areas AS leaf ON leaf.id = buildings.area_id
        JOIN areas AS ancestor ON leaf.path LIKE ancestor.path || '%'
        GROUP BY ancestor.id, units.status, units.use
    """)


    op.create_table('area_daily_deltas',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_area_daily_deltas_area_id_areas')),
    sa.ForeignKeyConstraint(['status'], ['statuses.code'], name=op.f('fk_area_daily_deltas_status_statuses')),
    sa.PrimaryKeyConstraint('area_id', 'day', 'status', name=op.f('pk_area_daily_deltas'))
    )
    day = "date(changed_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(changed_at AS DATE)"
    op.execute(f"""
        INSERT INTO area_daily_deltas (area_id, day, status, delta)
        SELECT ancestor.id, moves.day, moves.status, sum(moves.delta)
        FROM (SELECT building_id, {day} AS day, status_after AS status, 1 AS delta FROM unit_changes
              WHERE status_before IS NULL OR status_before <> status_after
              UNION ALL
              SELECT building_id, {day}, status_before, -1 FROM unit_changes
              WHERE status_before IS NOT NULL AND status_before <> status_after) AS moves
        JOIN buildings ON buildings.id = moves.building_id
        JOIN areas AS leaf ON leaf.id = buildings.area_id
        JOIN areas AS ancestor ON leaf.path LIKE ancestor.path || '%'
        GROUP BY ancestor.id, moves.day, moves.status
        HAVING sum(moves.delta) <> 0
    """)
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('door_knock', sa.Boolean(), server_default='0', nullable=False))
    statuses = sa.table('statuses', sa.column('code', sa.String), sa.column('door_knock', sa.Boolean))
    op.execute(statuses.update().where(statuses.c.code == 'unverified').values(door_knock=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_status_building_id'), ['status', 'building_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_status_building_id'))
    with op.batch_alter_table('statuses', schema=None) as batch_op:
        batch_op.drop_column('door_knock')
    op.drop_table('area_daily_deltas')
    op.drop_table('area_counts')
