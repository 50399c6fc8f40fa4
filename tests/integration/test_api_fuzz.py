"""schemathesis against the running service: every operation, every check, stateful included.

The service runs as a real process (``ropa serve``'s protocol and deadlines) on the example
registry, with an admin token. schemathesis generates positive and negative data for every
operation (examples and coverage phases once, then fuzzing) and runs stateful sequences along
the links it infers between operations (a created entity is read, replaced, deleted), with all
of its checks, for a time budget (``ROPA_FUZZ_SECONDS``, 240 s by default: fuzzing and stateful
sequences repeat until it is spent); tests/schemathesis.toml says where the API's documented
behaviour differs from a check's default expectation. The run must find nothing. The number of
cases is printed and recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ropa.auth.roles import Role
from ropa.input.document import parse_document
from ropa.services import build_services
from ropa.store.engine import make_engine
from ropa.store.migrate import migrate
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "softphone-provider.yaml"
CONFIG = ROOT / "tests" / "schemathesis.toml"
MAX_EXAMPLES = int(os.environ.get("ROPA_FUZZ_MAX_EXAMPLES", "10"))
# Every phase, stateful included. schemathesis runs examples and coverage once, then repeats
# fuzzing and stateful sequences until the budget is spent, holding back a share for stateful.
PHASES = os.environ.get("ROPA_FUZZ_PHASES", "examples,coverage,fuzzing,stateful")
BUDGET_SECONDS = int(os.environ.get("ROPA_FUZZ_SECONDS", "240"))

pytestmark = pytest.mark.long


def _prepare(url: str) -> str:
    services = build_services(make_engine(url))

    async def work() -> str:
        with contextlib.redirect_stdout(io.StringIO()):
            await migrate(services.engine)
        await services.documents.import_document(parse_document(EXAMPLE.read_bytes(), "yaml"))
        return await services.tokens.create("fuzz", Role.ADMIN)

    return asyncio.run(work())


def test_every_operation_passes_every_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite'}"
    token = _prepare(url)
    with live_server(url) as base:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/schema/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "all",
                "--mode",
                "all",
                "--phases",
                PHASES,
                "--max-examples",
                str(MAX_EXAMPLES),
                "--max-time",
                str(BUDGET_SECONDS),
                "--generation-deterministic",
                "--workers",
                "2",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # schemathesis keeps its cache in the working directory
            timeout=BUDGET_SECONDS + 600,  # the budget, and the server's answers still in flight
            check=False,
        )
    output = run.stdout + run.stderr
    found = re.search(r"(\d+) generated", output)
    cases = int(found.group(1)) if found else 0
    print(f"schemathesis: {cases} cases, every operation, all checks, stateful included")
    assert run.returncode == 0, output[-20_000:]
    assert cases > 1_000, output[-5_000:]
    assert "Tested: " in output and "Stateful" in output
