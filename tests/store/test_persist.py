"""The engine hook: `await persister.persist(x)` returns only once `x` is committed."""

from __future__ import annotations

import asyncio

from inspector.engine.persist import Persister
from inspector.store.session import SessionReader, SessionWriter
from tests.store.sample_records import http_exchange


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


def test_persist_raises_what_the_write_raised(tmp_path):
    async def main() -> str:
        with SessionWriter(tmp_path / "s.cisession") as writer:
            try:
                await Persister(writer).persist("not a record")  # type: ignore[arg-type]
            except TypeError as exc:
                return str(exc)
        return "no error"

    assert "cannot store a str" in asyncio.run(main())


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
