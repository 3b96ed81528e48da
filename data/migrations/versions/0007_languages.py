"""Languages: each user's chosen interface language, and a Chinese text code for each status

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The default catalogue's Chinese codes; a status added by an administrator keeps its Latin code until edited.
CHINESE_CODES = {"healthy": "健", "quarantined": "隔", "not_reopened": "未", "reopened": "复", "vacant": "空",
                 "unverified": "?"}


def upgrade():
    """Add users.language and statuses.text_code_zh (the Latin code where no Chinese one is known)."""
    op.add_column("users", sa.Column("language", sa.String(8), nullable=True))
    # A NOT NULL column needs a default on SQLite's ADD COLUMN; every row gets its own value below.
    op.add_column("statuses", sa.Column("text_code_zh", sa.String(4), nullable=False, server_default="?"))
    statuses = sa.table("statuses", sa.column("code", sa.String), sa.column("text_code", sa.String),
                        sa.column("text_code_zh", sa.String))
    op.execute(statuses.update().values(text_code_zh=statuses.c.text_code))
    for code, text_code in CHINESE_CODES.items():
        op.execute(statuses.update().where(statuses.c.code == code).values(text_code_zh=text_code))


def downgrade():
    """Drop both columns."""
    with op.batch_alter_table("statuses") as batch:
        batch.drop_column("text_code_zh")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
