"""Renders are capped per worker, shared between identical requests, and killed when unwanted.

The gate is tested directly (no server), the ``dot`` kill against the real binary (skipped
where Graphviz is not installed), and the 503 with Retry-After through the API on both engines.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from ropa.render import dot as dot_format
from ropa.services import Services, render_limits
from ropa.services.render_limits import Busy, ClientGone, RenderGate, RenderTimedOut, run_dot
from tests.factories import create_all

needs_dot = pytest.mark.skipif(dot_format.dot_binary() is None, reason="Graphviz not installed")


def slow_dot(nodes: int = 1500, edges: int = 6000) -> str:
    """A graph that keeps ``dot`` busy for several seconds."""
    rng = random.Random(7)
    lines = ["digraph slow {"]
    lines += [f"  n{rng.randrange(nodes)} -> n{rng.randrange(nodes)};" for _ in range(edges)]
    lines.append("}")
    return "\n".join(lines) + "\n"


async def test_over_the_cap_a_render_is_refused_at_once() -> None:
    gate = RenderGate(limit=1, timeout=30)
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        return "done"

    first = asyncio.create_task(gate.run("a", slow))
    await asyncio.sleep(0)
    with pytest.raises(Busy) as refused:
        await gate.run("b", slow)
    assert refused.value.retry_after > 0
    release.set()
    assert await first == "done"
    assert gate.running == 0
    assert await gate.run("b", slow) == "done"  # a free slot again


async def test_identical_concurrent_renders_share_one() -> None:
    gate = RenderGate(limit=1, timeout=30)
    calls = 0
    release = asyncio.Event()

    async def work() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    waiters = [asyncio.create_task(gate.run(("diagram", 7), work)) for _ in range(5)]
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(*waiters) == [42] * 5
    assert calls == 1


async def test_a_render_is_cancelled_when_its_last_client_is_gone() -> None:
    gate = RenderGate(limit=2, timeout=30)
    started, cancelled = asyncio.Event(), asyncio.Event()
    left = [asyncio.Event(), asyncio.Event()]

    async def work() -> str:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    def gone(i: int) -> Any:
        async def wait() -> None:
            await left[i].wait()

        return wait

    a = asyncio.create_task(gate.run("k", work, gone(0)))
    b = asyncio.create_task(gate.run("k", work, gone(1)))
    await started.wait()
    left[0].set()
    with pytest.raises(ClientGone):
        await a
    await asyncio.sleep(0.01)
    assert not cancelled.is_set()  # the other client still waits
    left[1].set()
    with pytest.raises(ClientGone):
        await b
    await asyncio.wait_for(cancelled.wait(), 2)
    assert gate.running == 0


@needs_dot
async def test_dot_is_killed_when_its_client_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    processes: list[asyncio.subprocess.Process] = []
    original = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await original(*args, **kwargs)
        processes.append(process)
        return process

    monkeypatch.setattr(render_limits.asyncio, "create_subprocess_exec", recording)
    gate = RenderGate(limit=1, timeout=60)
    client_left = asyncio.Event()

    async def gone() -> None:
        await client_left.wait()

    render = asyncio.create_task(gate.run("big", lambda: run_dot(slow_dot(), "svg"), gone))
    for _ in range(100):
        if processes:
            break
        await asyncio.sleep(0.05)
    assert processes and processes[0].returncode is None  # dot is at work
    client_left.set()
    with pytest.raises(ClientGone):
        await render
    await asyncio.wait_for(processes[0].wait(), 5)
    assert processes[0].returncode == -9  # killed, not finished
    assert gate.running == 0


@needs_dot
async def test_dot_is_killed_when_its_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    processes: list[asyncio.subprocess.Process] = []
    original = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await original(*args, **kwargs)
        processes.append(process)
        return process

    monkeypatch.setattr(render_limits.asyncio, "create_subprocess_exec", recording)
    gate = RenderGate(limit=1, timeout=0.5)
    with pytest.raises(RenderTimedOut, match=r"0\.5 s"):
        await gate.run("big", lambda: run_dot(slow_dot(), "svg"))
    await asyncio.wait_for(processes[0].wait(), 5)
    assert processes[0].returncode == -9
    assert gate.running == 0


@needs_dot
async def test_run_dot_renders_like_the_blocking_renderer() -> None:
    text = 'digraph g { a -> b [label="x"]; }\n'
    svg = await run_dot(text, "svg")
    assert svg.startswith(b"<?xml") and b"<svg" in svg
    with pytest.raises(dot_format.RenderFailed):
        await run_dot("digraph { a -> }\n", "svg")


async def test_over_the_cap_the_api_answers_503_with_retry_after(
    client: Any, services: Services
) -> None:
    await create_all(client)
    services.exports.gate.limit = 0  # every render is one too many
    for path in (
        "/api/v1/diagrams/organisation.dot",
        "/api/v1/exports/article30.xlsx?organisation=acme",
    ):
        response = await client.get(path)
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "renders" in response.json()["detail"]
    services.exports.gate.limit = 2
    assert (await client.get("/api/v1/diagrams/organisation.dot")).status_code == 200
