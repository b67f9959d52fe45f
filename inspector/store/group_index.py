"""A stored session grouped by request_id, in arrays: a million exchanges without an object
per row or per group.

Groups are laid out in the order of their first exchange, which is the order the live list
gives its groups; the key is `core.exchange_display.GROUP_KEY` (the same decision as the
live list's, as SQL).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class GroupIndex:
    """Exchanges grouped by request_id, groups in order of their first exchange.

    Group g's listed members are `members[starts[g]:starts[g + 1]]` (those the filter
    kept, all when there is none); `keyed[g]` says whether it is a request_id's group (a
    node with its attempts under it) or one exchange on its own; `first`, `last`, `sizes`
    and `messages` (every member a streaming message) describe the whole group, filter or
    not (the node shows its latest attempt).
    """

    members: array[int]
    starts: array[int]
    keyed: bytearray
    first: array[int]
    last: array[int]
    sizes: array[int]
    messages: bytearray

    def __len__(self) -> int:
        return len(self.keyed)


def group_rows(rows: Iterable[tuple[int, str | None, int, int]]) -> GroupIndex:
    """The index of `rows` in id order: (id, group key or None, whether the filter keeps it,
    whether it is a streaming message). One pass; a lone exchange the filter hides makes
    no group at all."""
    group_of: dict[str, int] = {}
    keyed, messages = bytearray(), bytearray()
    first, last, sizes = array("q"), array("q"), array("q")
    hit_groups, hit_ids = array("q"), array("q")
    for xid, key, matched, is_message in rows:
        g = None if key is None else group_of.get(key)
        if g is None:
            if key is None and not matched:
                continue
            g = len(keyed)
            if key is not None:
                group_of[key] = g
            keyed.append(key is not None)
            messages.append(1 if is_message else 0)
            first.append(xid)
            last.append(xid)
            sizes.append(1)
        else:
            last[g] = xid
            sizes[g] += 1
            if not is_message:
                messages[g] = 0
        if matched:
            hit_groups.append(g)
            hit_ids.append(xid)
    return _lay_out(keyed, first, last, sizes, messages, hit_groups, hit_ids)


def _lay_out(
    keyed: bytearray,
    first: array[int],
    last: array[int],
    sizes: array[int],
    messages: bytearray,
    hit_groups: array[int],
    hit_ids: array[int],
) -> GroupIndex:
    """Lay the listed members out group after group (a counting sort: no list per group),
    leaving out the groups the filter emptied."""
    counts = array("q", bytes(8 * len(keyed)))
    for g in hit_groups:
        counts[g] += 1
    kept = [g for g, n in enumerate(counts) if n]
    starts, at = array("q"), array("q", bytes(8 * len(keyed)))
    pos = 0
    for g in kept:
        starts.append(pos)
        at[g] = pos
        pos += counts[g]
    starts.append(pos)
    members = array("q", bytes(8 * pos))
    for g, xid in zip(hit_groups, hit_ids, strict=True):
        members[at[g]] = xid
        at[g] += 1
    if len(kept) == len(keyed):
        return GroupIndex(members, starts, keyed, first, last, sizes, messages)
    return GroupIndex(
        members,
        starts,
        bytearray(keyed[g] for g in kept),
        array("q", (first[g] for g in kept)),
        array("q", (last[g] for g in kept)),
        array("q", (sizes[g] for g in kept)),
        bytearray(messages[g] for g in kept),
    )
