"""CPU-heavy work kept away from the event loop, and from its share of the interpreter.

A worker thread keeps the event loop free only in part: the thread and the loop share one
interpreter lock, and pure-Python work such as PyYAML's emitter holds it in stretches of tens
of milliseconds. Encoding a large registry document therefore runs in a child process
(`anyio.to_process`, a small pool reused between calls); a small document is encoded in a
thread, where starting the work costs less than sending it to another process.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVarTuple, Unpack

import anyio.to_process
import anyio.to_thread

from ropa.domain import model as m
from ropa.domain.kinds import KINDS
from ropa.render.document import Format, dump_document

PROCESS_FROM = 500
"""Entities from which a document is encoded in a child process rather than a thread."""

Args = TypeVarTuple("Args")

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter lock while another waits (Python's default is
0.005): the event loop thread gets it back sooner from rendering threads."""


def share_the_interpreter() -> None:
    """Make rendering threads yield the interpreter lock to the event loop more often."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def _size(document: m.RegistryDocument) -> int:
    return sum(len(getattr(document, spec.collection)) for spec in KINDS.values())


async def encode_off_loop(document: m.RegistryDocument, fmt: Format) -> bytes:
    """`dump_document`, off the event loop."""
    return await render_off_loop(dump_document, document, fmt)


async def render_off_loop(
    render: Callable[[m.RegistryDocument, Unpack[Args]], bytes],
    document: m.RegistryDocument,
    *args: *Args,
) -> bytes:
    """``render(document, *args)`` (a module-level function), off the event loop."""
    if _size(document) >= PROCESS_FROM:
        return await anyio.to_process.run_sync(render, document, *args, cancellable=True)
    return await anyio.to_thread.run_sync(render, document, *args)
