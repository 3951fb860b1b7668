"""Where job coroutines run: on the event loop that owns the database connections.

Dramatiq calls actors in worker threads; the stores are async and their connection pool
belongs to one loop. `LoopRunner` hands each coroutine to that loop and waits for it: in
`parapheur serve` it is uvicorn's loop, in `parapheur worker` a loop thread of its own.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopRunner:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run on the owning loop from any other thread and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @classmethod
    def in_thread(cls, setup: Callable[[], Awaitable[None]], name: str = "parapheur-jobs-loop") -> "LoopRunner":
        """Start a daemon thread with its own loop and run `setup` (bind the database) on it."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=name, daemon=True)
        thread.start()
        runner = cls(loop)
        runner.run(_awaited(setup))
        return runner


async def _awaited(setup: Callable[[], Awaitable[None]]) -> None:
    await setup()
