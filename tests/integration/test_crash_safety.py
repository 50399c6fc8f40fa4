"""An import killed with SIGKILL in the middle of its transaction leaves the store exactly as
it was before, on both engines; the store stays writable afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from piccolo.engine.sqlite import SQLiteEngine

from bench.synthetic import generate
from ropa.domain import model as m
from ropa.input.document import parse_document
from ropa.render.document import dump_document
from ropa.services import Services

ROOT = Path(__file__).resolve().parents[2]


def _database_url(services: Services) -> str:
    engine = services.engine
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:///{engine.path}"
    return str(engine.config["dsn"])


async def _write_transaction_in_progress(url: str) -> bool:
    """Whether another process holds the registry's write lock right now."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute("SELECT revision FROM ropa_registry FOR UPDATE NOWAIT")
        return False
    except asyncpg.LockNotAvailableError:
        return True
    finally:
        await connection.close()


async def test_import_killed_mid_transaction_changes_nothing(services: Services, tmp_path) -> None:
    example = (ROOT / "examples" / "softphone-provider.yaml").read_bytes()
    await services.documents.import_document(parse_document(example, "yaml"))
    before = dump_document(await services.documents.export(), "yaml")
    revision = await services.repository.revision()

    path = tmp_path / "big.json"
    path.write_bytes(dump_document(generate(3000, seed=7), "json"))
    url = _database_url(services)
    process = subprocess.Popen(
        [sys.executable, "-m", "ropa", "import", str(path), "--database-url", url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        while not await _write_transaction_in_progress(url):
            assert process.poll() is None, "the import ended before it was caught mid-way"
            assert time.monotonic() < deadline, "the import never started writing"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # let it write some batches
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    for _ in range(100):  # PostgreSQL notices the dead connection and rolls it back
        if not await _write_transaction_in_progress(url):
            break
        await asyncio.sleep(0.1)
    assert dump_document(await services.documents.export(), "yaml") == before
    assert await services.repository.revision() == revision
    assert len(await services.repository.audit(limit=100_000)) == 76  # the example's entries only
    await services.entities.create(m.Organisation(key="after-crash", name="Still writable"))
    assert await services.repository.revision() == revision + 1
