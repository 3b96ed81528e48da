"""Alembic environment: runs migrations on the engine handed over by data.db.upgrade."""
from alembic import context

from data.db import writing
from data.models import Base


def run_migrations() -> None:
    """Run migrations online on the engine in the config's attributes."""
    engine = context.config.attributes["engine"]
    # A write transaction from the start: on SQLite, workers migrating at once then wait for each other instead of failing.
    with writing(engine) as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations()
