"""locust's own command line, in a process prepared for it (`python -m bench.load.locust_main -f FILE …`)."""
# ruff: noqa: I001  (bench.load.patches must come first: see there)
from bench.load import patches  # noqa: F401

import sys

from locust.main import main

if __name__ == "__main__":
    sys.exit(main())
