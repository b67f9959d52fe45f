"""The rule editor: one rule's match and action, as a form declared as data.

Each field says which table key it fills (`match.path`, `status`), how it is edited and for
which kinds of action it shows. The form builds the rule's table and the rule from it with
`core.rules_file.rule_from_table`, the constructor the rules file and `serve`'s flags use, so
the same choices make the same rule wherever they are made; a mistake is shown under the form
with the key it is about, and OK waits until there is none.

Why this module is long: the form is declared as data (one `Field` per table key) beside the
editor that builds it; the declarations are most of its length.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.rules import DEFAULT_FAIL_STATUS, HOLD_TIMEOUT, Rule
from ..core.rules_file import RuleError, rule_from_table, rule_to_table
from .widgets import mono_font, plain_label


@dataclass(frozen=True)
class ActionKind:
    key: str
    title: str
    websocket: bool  # a rule for WebSocket upgrades (match.websocket = true when needed)


ACTIONS: tuple[ActionKind, ...] = (
    ActionKind("reply", "Reply with a status", False),
    ActionKind("fail_first", "Fail the first N attempts, then the next rule", False),
    ActionKind("hold", "Hold (breakpoint): I answer in the window", False),
    ActionKind("forward", "Forward to my app", False),
    ActionKind("ws_close", "WebSocket: close or drop after N messages or T seconds", True),
    ActionKind("ws_refuse", "WebSocket: refuse the upgrade with a status", True),
)
_HTTP = frozenset(a.key for a in ACTIONS if not a.websocket)
_REPLIES = frozenset({"reply", "fail_first", "ws_refuse"})


@dataclass(frozen=True)
class Field:
    """One row of the form: the table key it fills and how it is edited.

    kinds: "text", "lines" (several lines of text), "int", "float", "bool", "choice",
    "pairs" (one `name: value` or `path = value` per line, as a table)."""

    key: str
    label: str
    kind: str
    tip: str
    actions: frozenset[str] | None = None  # the action kinds it shows for (None: all)
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    low: float = 0
    high: float = 0
    default: Any = None
    separator: str = ":"  # for pairs
    suffix: str = ""  # a number's unit, shown in its box
    unset: str = ""  # what a number box says at its lowest value when that means "not given"


MATCH_FIELDS: tuple[Field, ...] = (
    Field(
        "match.method",
        "Method",
        "choice",
        "Only requests with this method (any: every method)",
        _HTTP,
        choices=("any", "POST", "PUT", "GET", "PATCH", "DELETE"),
    ),
    Field("match.path", "Path", "text", "A glob: * any text, ? one character", None, "/hook*"),
    Field(
        "match.query",
        "Query",
        "pairs",
        "One `key = glob` per line: the query has the key with a matching value",
        None,
        "job = 42*",
        separator="=",
    ),
    Field(
        "match.header",
        "Headers",
        "pairs",
        "One `Name: glob` per line: the request has the header with a matching value",
        None,
        "dg-token: 00000000-*",
    ),
    Field(
        "match.request_id",
        "request_id",
        "text",
        "Deepgram's request_id from the body, a glob",
        _HTTP,
        "6732*",
    ),
    Field(
        "match.transcript",
        "Transcript has",
        "text",
        "The transcript contains this text (any case)",
        _HTTP,
        "nine o'clock",
    ),
    Field(
        "match.streaming",
        "Kind of result",
        "choice",
        "A live stream's message (POSTed to an http callback) or a pre-recorded result",
        _HTTP,
        choices=("any", "streaming", "pre-recorded"),
    ),
    Field(
        "match.attempt",
        "Attempt",
        "text",
        "Which attempts of each callback: 2, 2-4, 3- (3 and later), >1, <=2",
        _HTTP,
        ">1",
    ),
    Field(
        "match.body",
        "Body field =",
        "pairs",
        "One `JSON path = value` per line: the body's field equals the value "
        '(a number, true/false, or text; e.g. metadata.request_id = "6732...")',
        _HTTP,
        "metadata.request_id = 6732-aaaa",
        separator="=",
    ),
    Field(
        "match.body_contains",
        "Body field has",
        "pairs",
        "One `JSON path = text` per line: the body's field contains the text (any case), or "
        "its array holds the value; [0] picks an element, [*] every one",
        _HTTP,
        "results.channels[0].alternatives[0].transcript = nine",
        separator="=",
    ),
)

ACTION_FIELDS: tuple[Field, ...] = (
    Field(
        "status",
        "Status",
        "int",
        "The reply's HTTP status (a refused upgrade's status for WebSockets)",
        _REPLIES,
        low=200,
        high=599,
        default=200,
    ),
    Field(
        "fail_first",
        "Fail attempts",
        "int",
        "How many attempts of each callback fail",
        frozenset({"fail_first"}),
        low=1,
        high=1000,
        default=2,
    ),
    Field(
        "delay_ms",
        "Delay",
        "int",
        "Wait this long before answering (ms; Deepgram gives up after about 30 s)",
        _REPLIES,
        low=0,
        high=600_000,
        default=0,
        suffix=" ms",
    ),
    Field(
        "headers",
        "Reply headers",
        "pairs",
        "One `Name: value` per line",
        frozenset({"reply", "fail_first"}),
        "Retry-After: 30",
    ),
    Field(
        "body",
        "Reply body",
        "lines",
        "Sent as is (empty: a failing reply says which rule answered)",
        frozenset({"reply", "fail_first"}),
    ),
    Field(
        "hold_timeout",
        "Answer within",
        "float",
        "Seconds the request waits for your answer; then the next rule answers",
        frozenset({"hold"}),
        low=0.1,
        high=3600,
        default=HOLD_TIMEOUT,
        suffix=" s",
    ),
    Field(
        "close_after_messages",
        "After messages",
        "int",
        "Close after the client's Nth message (0: not by count)",
        frozenset({"ws_close"}),
        low=0,
        high=1_000_000,
        default=0,
        unset="not by count",
    ),
    Field(
        "close_after_seconds",
        "After seconds",
        "float",
        "Close this long after the socket opened (0: not by time)",
        frozenset({"ws_close"}),
        low=0,
        high=86_400,
        default=0,
        suffix=" s",
        unset="not by time",
    ),
    Field(
        "close_code",
        "Close code",
        "int",
        "1000 normal, 1001 going away, 1011 internal error, 4000-4999 your own",
        frozenset({"ws_close"}),
        low=1000,
        high=4999,
        default=1000,
    ),
    Field(
        "close_reason",
        "Close reason",
        "text",
        "Sent in the close frame (123 bytes at most)",
        frozenset({"ws_close"}),
    ),
    Field(
        "drop",
        "Drop instead",
        "bool",
        "Abort the TCP connection without a close frame (what a crashed server does)",
        frozenset({"ws_close"}),
    ),
)


def action_kind(table: dict[str, Any]) -> str:
    """The editor's action kind of a rule table."""
    if table.get("fail_first"):
        return "fail_first"
    if table.get("hold"):
        return "hold"
    if table.get("forward"):
        return "forward"
    if any(k.startswith("close_") or k == "drop" for k in table):
        return "ws_close"
    if table.get("match", {}).get("websocket"):
        return "ws_refuse"
    return "reply"


def _scalar(text: str) -> Any:
    """A body value as the rules file would have it: JSON's number, true/false or "text";
    anything else is text as typed."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (str, int, float, bool)) else text


def parse_pairs(text: str, separator: str, typed: bool = False) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(separator)
        if sep and name.strip():
            value = value.strip()
            pairs[name.strip()] = _scalar(value) if typed else value
    return pairs


def header_pairs(text: str) -> list[list[str]]:
    """`Name: value` lines as header pairs, duplicates kept in order."""
    lines = (line.partition(":") for line in text.splitlines())
    return [[n.strip(), v.strip()] for n, sep, v in lines if sep and n.strip()]


def pairs_text(value: Any, separator: str, typed: bool = False) -> str:
    """The lines `parse_pairs` reads back as `value`; `typed` values that would read as
    another type (the text "42") are written as JSON ("\"42\"")."""
    if isinstance(value, list):  # headers with duplicates: [[name, value], ...]
        items: list[tuple[Any, Any]] = [(p[0], p[1]) for p in value]
    else:
        items = list(value.items())
    spacer = " " if separator == "=" else ""
    shown = []
    for k, v in items:
        quoted = typed and (not isinstance(v, str) or _scalar(v) != v)
        shown.append(f"{k}{spacer}{separator} {json.dumps(v) if quoted else v}")
    return "\n".join(shown)


class _Editor:
    """A field's widget, and reading and writing its value as the table has it."""

    def __init__(self, field: Field, parent: QWidget) -> None:
        self.field = field
        kind = field.kind
        widget: QWidget
        if kind == "int":
            spin = QSpinBox(parent)
            spin.setRange(int(field.low), int(field.high))
            spin.setValue(int(field.default or field.low))
            spin.setSuffix(field.suffix)
            spin.setSpecialValueText(field.unset)
            widget = spin
        elif kind == "float":
            dspin = QDoubleSpinBox(parent)
            dspin.setRange(field.low, field.high)
            dspin.setDecimals(2)
            dspin.setValue(float(field.default or field.low))
            dspin.setSuffix(field.suffix)
            dspin.setSpecialValueText(field.unset)
            widget = dspin
        elif kind == "bool":
            widget = QCheckBox(parent)
        elif kind == "choice":
            combo = QComboBox(parent)
            combo.addItems(field.choices)
            combo.setEditable(field.key == "match.method")
            widget = combo
        elif kind in ("lines", "pairs"):
            edit = QPlainTextEdit(parent)
            edit.setFont(mono_font())
            edit.setPlaceholderText(field.placeholder)
            edit.setMaximumHeight(54)
            edit.setTabChangesFocus(True)
            widget = edit
        else:
            line = QLineEdit(parent)
            line.setPlaceholderText(field.placeholder)
            widget = line
        widget.setToolTip(field.tip)
        widget.setAccessibleName(field.label)
        widget.setAccessibleDescription(field.tip)
        self.widget = widget

    def changed(self, slot: Callable[[], None]) -> None:
        w = self.widget
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            w.valueChanged.connect(slot)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(slot)
        elif isinstance(w, QComboBox):
            w.currentTextChanged.connect(slot)
        elif isinstance(w, QPlainTextEdit):
            w.textChanged.connect(slot)
        elif isinstance(w, QLineEdit):
            w.textChanged.connect(slot)

    def value(self) -> Any:
        """The table's value, or None when the field is left at "not given"."""
        w, f = self.widget, self.field
        if isinstance(w, QSpinBox | QDoubleSpinBox):
            number = w.value()  # 0 closes by neither count nor time: "not given"
            closing = f.key in ("close_after_messages", "close_after_seconds")
            return None if closing and number == 0 else number
        if isinstance(w, QCheckBox):
            return True if w.isChecked() else None
        if isinstance(w, QComboBox):
            text = w.currentText().strip()
            if f.key == "match.streaming":
                return {"streaming": True, "pre-recorded": False}.get(text)
            if text in ("", "any"):
                return None
            methods = [m for m in re.split(r"[/,\s]+", text) if m]  # "PUT/PATCH": either
            return methods[0] if len(methods) == 1 else methods
        if isinstance(w, QPlainTextEdit):
            text = w.toPlainText()
            if f.kind == "lines":
                return text or None
            typed = f.key.startswith("match.body")
            pairs = parse_pairs(text, f.separator, typed)
            if f.key == "headers":  # duplicates kept, in order
                return header_pairs(text) or None
            return pairs or None
        assert isinstance(w, QLineEdit)
        if f.key == "close_reason":  # sent as typed, spaces included
            return w.text() or None
        return w.text().strip() or None

    def set_value(self, value: Any) -> None:
        w, f = self.widget, self.field
        if isinstance(w, QSpinBox):
            w.setValue(int(value) if value is not None else int(f.default or f.low))
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(value) if value is not None else float(f.default or f.low))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            if f.key == "match.streaming":
                text = {True: "streaming", False: "pre-recorded"}.get(value, "any")
            else:
                text = value if isinstance(value, str) else "/".join(value or ()) or "any"
            w.setCurrentText(text)
        elif isinstance(w, QPlainTextEdit):
            if f.kind == "lines":
                w.setPlainText(value or "")
            else:
                typed = f.key.startswith("match.body")
                w.setPlainText(pairs_text(value, f.separator, typed) if value else "")
        elif isinstance(w, QLineEdit):
            w.setText("" if value is None else str(value))


class RuleEditor(QDialog):
    """Edit one rule; `rule()` is the result once accepted."""

    def __init__(self, rule: Rule | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit rule" if rule is not None else "New rule")
        self.setAccessibleName(self.windowTitle())
        self._rule: Rule | None = rule
        outer = QVBoxLayout(self)
        top = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("shown in the list's Rule column (else #N)")
        self.name.setAccessibleName("Rule name")
        self.enabled = QCheckBox("enabled", self)
        self.enabled.setChecked(True)
        self.enabled.setAccessibleName("Rule enabled")
        self.action = QComboBox(self)
        self.action.addItems([a.title for a in ACTIONS])
        self.action.setAccessibleName("What the rule does")
        self.action.setToolTip("What the rule does with the requests it matches")
        top.addRow("Name", self.name)
        top.addRow("", self.enabled)
        top.addRow("Action", self.action)
        outer.addLayout(top)

        self._editors: dict[str, _Editor] = {}
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        body = QWidget(self)
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        # What the rule does first (it decides which fields apply), then what it matches.
        for title, fields in (
            ("Then", ACTION_FIELDS),
            ("Matches (every field given must hold)", MATCH_FIELDS),
        ):
            group = QGroupBox(title, body)
            form = QFormLayout(group)
            for field in fields:
                editor = _Editor(field, group)
                editor.changed(self._validate)
                form.addRow(field.label, editor.widget)
                self._editors[field.key] = editor
                self._rows[field.key] = (form, editor.widget)
            inner.addWidget(group)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll, 1)

        self.problem = plain_label("", self)
        self.problem.setObjectName("rule_problem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("What is wrong with the rule")
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.name.textChanged.connect(self._validate)
        self.enabled.toggled.connect(self._validate)
        self.action.currentIndexChanged.connect(self._on_action)
        self.resize(560, 640)
        if rule is not None:
            self.set_table(rule_to_table(rule))
        self._on_action()

    # -- the table -----------------------------------------------------------------------
    def kind(self) -> ActionKind:
        return ACTIONS[self.action.currentIndex()]

    def set_kind(self, key: str) -> None:
        self.action.setCurrentIndex([a.key for a in ACTIONS].index(key))

    def editor(self, key: str) -> _Editor:
        return self._editors[key]

    def set_table(self, table: dict[str, Any]) -> None:
        """Show a rule table (as `rule_to_table` gives it) in the form."""
        self.name.setText(table.get("name", ""))
        self.enabled.setChecked(table.get("enabled", True))
        kind = action_kind(table)
        self.set_kind(kind)
        match = table.get("match", {})
        for key, editor in self._editors.items():
            if key.startswith("match."):
                editor.set_value(match.get(key.removeprefix("match.")))
            elif key == "status" and kind == "fail_first" and "status" not in table:
                editor.set_value(DEFAULT_FAIL_STATUS)
            else:
                editor.set_value(table.get(key))

    def table(self) -> dict[str, Any]:
        """The rule table the form describes (keys only for what is given)."""
        kind = self.kind()
        table: dict[str, Any] = {}
        if self.name.text().strip():
            table["name"] = self.name.text().strip()
        if not self.enabled.isChecked():
            table["enabled"] = False
        match: dict[str, Any] = {}
        for key, editor in self._editors.items():
            field = editor.field
            if field.actions is not None and kind.key not in field.actions:
                continue
            value = editor.value()
            if value is None:
                continue
            if key.startswith("match."):
                match[key.removeprefix("match.")] = value
            elif key == "delay_ms" and value == 0:
                continue
            else:
                table[key] = value
        if kind.key == "ws_refuse":
            match["websocket"] = True
        elif kind.key == "hold":
            table["hold"] = True
        elif kind.key == "forward":
            table["forward"] = True
        if match:
            table["match"] = match
        return table

    def rule(self) -> Rule:
        """The rule the form describes; RuleError names the key of a mistake."""
        return rule_from_table(self.table())

    # -- showing -------------------------------------------------------------------------
    def _on_action(self) -> None:
        kind = self.kind().key
        for key, (form, widget) in self._rows.items():
            actions = self._editors[key].field.actions
            shown = actions is None or kind in actions
            form.setRowVisible(widget, shown)
        status = self._editors["status"]
        if kind == "fail_first" and status.value() == 200:
            status.set_value(DEFAULT_FAIL_STATUS)
        elif kind == "ws_refuse" and status.value() == 200:
            status.set_value(403)
        self._validate()

    def _validate(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            self._rule = self.rule()
        except RuleError as exc:
            self._rule = None
            self.problem.setText(f"⚠ {exc.key}: {exc.message}")
            ok.setEnabled(False)
            return
        self.problem.setText("")
        ok.setEnabled(True)

    def result_rule(self) -> Rule:
        assert self._rule is not None
        return self._rule
