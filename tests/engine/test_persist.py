"""The engine hook: `await persister.persist(x)` returns only once `x` is committed."""

from __future__ import annotations

import asyncio
import sqlite3

from inspector.core.events import StorageEvent
from inspector.engine.persist import Persister
from inspector.store.session import SessionWriter
from inspector.store.session_reader import SessionReader
from tests.factories import http_exchange


def test_persist_returns_after_the_commit(tmp_path):
    path = tmp_path / "s.cisession"
    order: list[str] = []

    async def receiver_reply(persister: Persister, reader: SessionReader, i: int) -> None:
        await persister.persist(http_exchange(i))
        # What the receiver does next (send its reply) sees the row in another connection.
        found = reader.exchange(i)
        order.append(f"reply {i}" if found is not None else f"reply {i} BEFORE COMMIT")

    async def main() -> None:
        with SessionWriter(path) as writer, SessionReader(path) as reader:
            persister = Persister(writer)
            # Concurrent requests share group commits; each still waits for its own.
            await asyncio.gather(*(receiver_reply(persister, reader, i) for i in range(1, 201)))

    asyncio.run(main())
    assert sorted(order) == sorted(f"reply {i}" for i in range(1, 201))


def test_persist_refuses_what_is_not_a_record_with_type_error(tmp_path):
    async def main() -> str:
        with SessionWriter(tmp_path / "s.cisession") as writer:
            try:
                await Persister(writer).persist("not a record")  # type: ignore[arg-type]
            except TypeError as exc:
                return str(exc)
        return "no error"

    assert "cannot store a str" in asyncio.run(main())


def test_a_file_locked_by_another_program_is_reported_once_then_recovery_and_nothing_lost(
    tmp_path,
):
    """Another process's connection holds the write lock: commits fail after the busy
    timeout, the capture is not held up any longer, one "failed" event says so; once the lock
    is gone, one "recovered" event counts what was not saved, and what was committed before
    the lock is still there."""
    path = tmp_path / "s.cisession"
    events: list[StorageEvent] = []

    async def main() -> tuple[list[int], float]:
        with SessionWriter(path, busy_timeout=0.2) as writer:
            persister = Persister(writer, events.append)
            for i in (1, 2):
                await persister.persist(http_exchange(i))  # committed before the lock
            other = sqlite3.connect(str(path), isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # the write lock, as another instance would
            await persister.persist(http_exchange(3))  # fails after the busy timeout
            assert [e.state for e in events] == ["failed"] and persister.failing
            for i in (4, 5):
                await persister.persist(http_exchange(i))  # not held for the disk now
            other.execute("ROLLBACK")
            other.close()
            await persister.persist(http_exchange(6))  # not held: it settles the state
            await asyncio.wrap_future(writer.flush())
            while persister.failing:  # the commit's callback reaches the loop
                await asyncio.sleep(0)
            await persister.persist(http_exchange(7))  # held again, committed
            unsaved = events[-1].unsaved
        with SessionReader(path) as reader:
            return [row.id for row in reader.rows()], unsaved

    stored, unsaved = asyncio.run(main())
    assert [e.state for e in events] == ["failed", "recovered"]
    assert "locked" in events[0].message and events[0].path == str(path)
    assert stored[:2] == [1, 2] and 7 in stored and 3 not in stored
    # 3 failed; 4 and 5 went to the writer while the lock was held: saved or counted.
    assert unsaved == 1 + len({4, 5} - set(stored))


def test_a_closed_writer_is_reported_not_raised(tmp_path):
    events: list[StorageEvent] = []

    async def main() -> None:
        writer = SessionWriter(tmp_path / "s.cisession")
        writer.close()
        persister = Persister(writer, events.append)
        await persister.persist(http_exchange(1))
        persister.persist_later(http_exchange(2))

    asyncio.run(main())
    assert [(e.state, e.unsaved) for e in events] == [("failed", 1)]
    assert "closed" in events[0].message


def test_a_cancelled_request_does_not_cancel_the_commit_others_wait_for(tmp_path):
    path = tmp_path / "s.cisession"

    async def main() -> list[int]:
        with SessionWriter(path) as writer:
            persister = Persister(writer)
            waiters = [asyncio.ensure_future(persister.persist(http_exchange(i))) for i in (1, 2)]
            await asyncio.sleep(0)  # both submitted, both waiting on one commit
            waiters[0].cancel()
            await asyncio.gather(waiters[1], return_exceptions=False)
            assert waiters[0].cancelled()
        with SessionReader(path) as reader:
            return [row.id for row in reader.rows()]

    assert asyncio.run(main()) == [1, 2]
