"""Alembic environment: runs migrations on the engine handed over by data.db.upgrade."""
from alembic import context

from data.db import lock_for_migrations, writing
from data.models import Base


def run_migrations() -> None:
    """Run migrations online on the engine in the config's attributes."""
    engine = context.config.attributes["engine"]
    # Locked before Alembic reads the current revision: workers that start together migrate one after the other.
    with writing(engine) as connection:
        lock_for_migrations(connection)
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations()
