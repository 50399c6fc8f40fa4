"""The peer in the same run: Fides beside ropa, on the same data, the same machine, one run.

    python -m bench.peer       # 2,000 systems; about 35 min on a busy 2-core machine
    python -m bench.peer --systems 200 --duration 3 --slow-duration 5 --no-yaml --no-write

It installs Fides (ethyca-fides, pinned in ``bench.peer.fides``) in a venv of its own under
$ROPA_PEER_HOME (default /tmp/ropa-peer; reused once installed), starts a PostgreSQL instance
of its own (initdb in that folder, as the postgres user when run as root) and a Redis, both on
free loopback ports, and serves Fides with uvicorn, one worker. It loads 2,000 systems with 3
privacy declarations each into Fides through its API (upserts of 50) and the same registry into
ropa (``bench.peer.data``: one activity per declaration, one flow per declaration and egress)
through ropa's import endpoint, on SQLite and on the same PostgreSQL instance, one uvicorn worker
each. Then wrk (as bench/run.py runs it) measures GET one system, a list page of 100 and the
upsert of one system on each, and the CLIs time `fides --local evaluate` of one policy rule
against `ropa validate` of the registry file. It prints a table and writes it into the
"peer" section of bench/RESULTS.md. Needs wrk, redis-server, PostgreSQL server binaries and
PyPI for the first install; nothing of Fides enters the repository.
"""
