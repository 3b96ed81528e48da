"""Load test of the production setup on locust: `python -m bench.load [--backend postgresql|sqlite] [--ramp 10,20]`.

Starts `gunicorn dashboard.wsgi:server` (4 sync workers) on a throwaway PostgreSQL database (default) or a temporary
SQLite file holding the demo, then runs locust headless against it (`--users`, `--spawn-rate`, `--run-time`, `--csv`
on its command line). 20 staff keep one building of the first workstation true while 20 leaders read their
sub-district's page and sometimes a building's. Each staff member owns some (unit, field) pairs of the building's units
(note, occupant, residents, staff, phone), never a pair another owns, so colleagues keep saving other fields of the same
units: a staff member opens one of its units, changes its field, and saves the whole form at the version the panel gave
it, often stale by then, which the server must merge. The measured window opens once every user has signed in (locust's
statistics are reset then) and lasts `--seconds`. Afterwards the database must show every acknowledged save (its answer
carried the refreshed grid) and nothing else: each field holds the last value acknowledged for it (or, never saved, its
value before), each unit's version grew by its saves, and as many history rows were added as saves. A conflict cannot be
right when no two staff write the same field of a unit: it is a failure. Prints locust's figures per request kind
against the goals (no errors, no conflicts, no lost updates, p95 under 300 ms) and who used the CPU meanwhile
(gunicorn, PostgreSQL, locust, other work on the machine). `--ramp 10,20,40,80` runs staff only, at each number of
writers in turn, one row per level; `--think MIN MAX` shortens the pauses to reach a limit with fewer users; `--units N`
shares only N units of the building, for more saves at a stale version; `--csv PREFIX` keeps locust's CSV files.

The package: `scenario` seeds the database and deals out the pairs, `server` runs gunicorn and reads CPU time from
/proc, `driver` builds the requests and judges the answers by component ids, `locustfile` is the simulated people (run
by locust in its own process, where gevent patches the standard library), `swarm` runs locust for one level and reads
its CSV, `checks` compares the database with what was acknowledged, `report` prints the figures.

The server trusts one proxy (TRUSTED_PROXIES=1) and each simulated user sends its own X-Forwarded-For address, as
behind production's reverse proxy: the per-address sign-in limit then applies per user, not to the whole driver.
All traffic goes to 127.0.0.1; every wait is bounded. A measurement, not a test.
"""
