"""`core/row_expr` trees as Python functions of an `Exchange` (the live list's reading).

A tree is compiled once into the source of one small function (each field is the Python
expression `core/exchange_fields` gives for it) and `exec`uted: the status text of a row,
asked for every painted cell, costs about as much as the hand-written `if`s it replaced,
where walking the tree per call cost twenty times more. Only the tree's shape and our own
field expressions go into the source; every value from the tree (user text included) is a
constant the function closes over, never spliced into code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from .exchange_fields import FIELDS
from .records import Exchange
from .row_expr import (
    All,
    AnyOf,
    BodyContains,
    Case,
    Cmp,
    Concat,
    Const,
    Contains,
    Field,
    Glob,
    HasHeader,
    HeaderMatch,
    IsNull,
    Lit,
    Not,
    Pred,
    Search,
    SearchPart,
    Value,
    body_text,
    has_header,
    header_lines,
    header_matches,
    nullable,
    parsed_glob,
)

Texts = Callable[[Exchange], Sequence[str]]
_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})


def compile_python(pred: Pred, texts: Texts | None = None) -> Callable[[Exchange], bool]:
    """`pred` as a function of an exchange. `texts(x)` gives what `search_reader` gives for
    `x` (the live list passes its kept copy); a function that meets text where it wanted a
    number answers False rather than raising."""
    gen = _Gen()
    gen.texts = texts
    body = gen.pred(pred)
    source = (
        "def _f(x):\n"
        "    try:\n"
        f"        return bool({body})\n"
        "    except TypeError:\n"
        "        return False\n"
    )
    return gen.build(source)


def value_function(value: Value) -> Callable[[Exchange], Any]:
    """A value expression as a function of an exchange."""
    return _value_function(value)


@lru_cache(maxsize=256)
def _value_function(value: Value) -> Callable[[Exchange], Any]:
    gen = _Gen()
    body = gen.value(value)
    return gen.build(f"def _f(x):\n    return {body}\n")


def search_reader(parts: Sequence[SearchPart]) -> Callable[[Exchange], list[str]]:
    """A function giving every lower-case text a plain word looks in: the texts of
    `parts` (compiled once, here), then the header lines."""
    reads = [value_function(p.value) for p in parts]

    def texts(x: Exchange) -> list[str]:
        out = []
        for read in reads:
            value = read(x)
            if value is not None and value != "":
                out.append(str(value).lower())
        return out + header_lines(x.headers)

    return texts


class _Gen:
    """Builds one function's source; constants are named `_cN`, temporaries `_tN`."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        self.temps = 0
        self.texts: Texts | None = None

    def const(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    def build(self, source: str) -> Callable[[Exchange], Any]:
        namespace: dict[str, Any] = dict(self.names)
        if self.texts is not None:
            namespace["_texts"] = self.texts
        exec(compile(source, "<row_expr>", "exec"), namespace)  # our own generated code
        function: Callable[[Exchange], Any] = namespace["_f"]
        return function

    # -- values ---------------------------------------------------------------------------
    def value(self, node: Value) -> str:
        if isinstance(node, Field):
            return FIELDS[node.name].py
        if isinstance(node, Lit):
            return self.const(node.value)
        if isinstance(node, Concat):
            return self._concat(node)
        if isinstance(node, Case):
            out = self.value(node.default)
            for when, then in reversed(node.whens):
                out = f"({self.value(then)} if {self.pred(when)} else {out})"
            return out
        raise TypeError(f"not a value expression: {node!r}")

    def _concat(self, node: Concat) -> str:
        """Text of the parts joined; None when one is None."""
        guards, texts = [], []
        for part in node.parts:
            if isinstance(part, Lit):
                if part.value is None:
                    return "None"
                texts.append(self.const(str(part.value)))
                continue
            t = self.temp()
            guards.append(f"({t} := {self.value(part)}) is None")
            texts.append(f"str({t})")
        joined = " + ".join(texts) or self.const("")
        if not guards:
            return f"({joined})"
        return f"(None if ({' or '.join(guards)}) else {joined})"

    # -- conditions -------------------------------------------------------------------------
    def pred(self, node: Pred) -> str:
        if isinstance(node, Const):
            return "True" if node.value else "False"
        if isinstance(node, Cmp):
            if node.op not in _OPS:
                raise ValueError(f"unknown comparison {node.op!r}")
            op = "==" if node.op == "=" else node.op
            sides, guards = [], []
            for side in (node.left, node.right):
                if not nullable(side):  # a constant or a NOT NULL field: no None to rule out
                    sides.append(self.value(side))
                    continue
                t = self.temp()
                guards.append(f"({t} := {self.value(side)}) is not None")
                sides.append(t)
            return "(" + " and ".join([*guards, f"{sides[0]} {op} {sides[1]}"]) + ")"
        if isinstance(node, IsNull):
            return f"({self.value(node.value)} is None)"
        if isinstance(node, Not):
            return f"(not {self.pred(node.pred)})"
        if isinstance(node, All):
            return (
                "(" + " and ".join(self.pred(p) for p in node.preds) + ")" if node.preds else "True"
            )
        if isinstance(node, AnyOf):
            return (
                "(" + " or ".join(self.pred(p) for p in node.preds) + ")" if node.preds else "False"
            )
        if isinstance(node, Contains):
            t = self.temp()
            return (
                f"(({t} := {self.value(node.value)}) is not None and "
                f"{self.const(node.needle)} in str({t}).lower())"
            )
        if isinstance(node, Glob):
            t, glob = self.temp(), self.const(parsed_glob(node.pattern))
            value = self.value(node.value)
            return f"(({t} := {value}) is not None and {glob}.matches(str({t}).lower()))"
        if isinstance(node, HasHeader):
            return f"{self.const(has_header)}(x.headers, {self.const(node.name)})"
        if isinstance(node, HeaderMatch):
            return f"{self.const(header_matches)}(x.headers, {self.const(node)})"
        if isinstance(node, BodyContains):
            return f"({self.const(node.needle)} in {self.const(body_text)}(x.body))"
        if isinstance(node, Search):
            needle = self.const(node.needle)
            if self.texts is None:
                texts = f"{self.const(search_reader(node.parts))}(x)"
            else:
                texts = "_texts(x)"
            return f"any({needle} in _s for _s in {texts})"
        raise TypeError(f"not a condition: {node!r}")
