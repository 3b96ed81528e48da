"""A throwaway PostgreSQL cluster in a temporary folder, from Debian's binaries (for tests and benchmarks)."""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from data.db import make_engine, upgrade
from scripts.net import free_port


def postgres_bindir() -> str | None:
    """The newest /usr/lib/postgresql/*/bin that has initdb, or None."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(binaries[-1]) if binaries else None


class PostgresCluster:
    """A PostgreSQL cluster in a temporary folder, started from Debian's binaries."""

    def __init__(self, bindir: str):
        self.bindir, self.folder = bindir, Path(tempfile.mkdtemp(prefix="units-pg-"))
        self.port, self.names = free_port(), itertools.count(1)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")

    def start(self) -> None:
        """initdb and pg_ctl start, tuned for throwaway speed (no fsync)."""
        self._run(
            "initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        self.resume()
        self._admin("CREATE DATABASE units_template")
        engine = make_engine(self.url("units_template"))
        upgrade(engine)
        engine.dispose()

    def resume(self) -> None:
        """Start the server on the cluster's folder (again, after `halt`)."""
        options = f"-p {self.port} -k {self.folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def halt(self) -> None:
        """Stop the server, closing every connection, as an outage would (a fast stop, which keeps what was committed:
        commits are not synchronous here)."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        """Stop the server, if it runs, and delete its folder."""
        try:
            subprocess.run(
                [*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
                capture_output=True,
                cwd=self.folder,
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def server_pid(self) -> int:
        """The process id of the cluster's postmaster."""
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def new_database(self, migrated: bool = True) -> str:
        """A fresh database, migrated (copied from the template) or empty; returns its URL."""
        name = f"units_test_{next(self.names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {'units_template' if migrated else 'template0'}")
        return self.url(name)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of one database of the cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        """Run a statement outside a transaction on the maintenance database."""
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def _run(self, program: str, *args: str) -> None:
        """Run one of the cluster's binaries as the postgres user when we are root."""
        subprocess.run(
            [*self.as_user, f"{self.bindir}/{program}", *args], check=True, capture_output=True, cwd=self.folder
        )
