"""Which words of a transcript carry its content: the shared basis of summaries and topics.

A word is a content word unless it is one of these English stop words (function words,
pronouns, auxiliaries and fillers), is a number, or is shorter than three letters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further get gets got had hadn't
    has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just
    let's like me more most much must mustn't my myself no nor not now of off on once only
    or other ought our ours ourselves out over own please really same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with
    won't would wouldn't yes you you'd you'll you're you've your yours yourself yourselves
    going gonna okay oh uh um yeah well also back call said say says one two three four
    five six seven eight nine ten o'clock
    """.split()
)
_WORD = re.compile(r"[a-z][a-z']*")


def content_words(text: str) -> list[str]:
    return [
        w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w.strip("'")) > 2
    ]


def frequencies(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(content_words(text))
    return counts
