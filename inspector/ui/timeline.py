"""The retry timeline: one request_id's callback attempts (or stream messages) on a time axis.

Status is written next to every mark ("500 ✗", "200 ✓"), so colour is never the only cue.
A live countdown to the next scheduled retry ticks while a job is in flight.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QStandardItemModel
from PySide6.QtWidgets import QSizePolicy, QSplitter, QVBoxLayout, QWidget

from ..core.delivery import AttemptMark
from ..core.ws_close_codes import close_code_text
from .body_format import plural
from .delivery_track import JobTrack
from .widgets import item, plain_label, set_rows, table_view

COUNTDOWN_MS = 100
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" size
EMPTY_TITLE = "No job to draw yet: submit one, run a demo, or select a callback in the list."
_OK, _FAIL, _WAIT = QColor("#2e8b57"), QColor("#d0343a"), QColor("#6a7b8c")


def _clock(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def summary_text(job: JobTrack, now: float) -> str:
    """The headline: "3 of 11 attempts, next retry in 0.6 s" / "4 of 11 attempts, delivered".

    The maximum is the job's own (its `job` event), never today's settings."""
    if job.rejected:
        return f"Rejected by the emulator: {job.rejected}"
    if job.streaming:
        finals = sum(1 for m in job.messages if m.is_final)
        kept = len(job.messages)
        among = f" among the last {kept}" if job.message_count > kept else ""
        head = f"Stream: {plural(job.message_count, 'message')} ({finals} final{among})"
        if job.closed is None:
            return head + ", open"
        _, code, reason = job.closed
        why = f": {reason}" if reason else ""
        return f"{head}, closed {close_code_text(code) or 'without a code'}{why}"
    n = len(job.attempts)
    if job.max_attempts:
        head = f"{n} of {job.max_attempts} attempts"
    else:
        head = f"{n} attempt{'s' if n != 1 else ''}"
    if job.outcome:
        return f"{head}, {job.outcome.replace('_', ' ')}"
    if job.next_retry_at is not None:
        left = max(0.0, job.next_retry_at - now)
        return f"{head}, next retry in {left:.1f} s"
    if job.mode == "callback" and not job.attempts:
        return "transcribing…" if job.transcribed_at is None else "delivering…"
    return head


LABEL_LANES = 3  # rows of mark labels above the axis
LABEL_GAP = 6.0  # pixels kept between two labels on one row


def place_labels(
    marks: Sequence[tuple[float, float]], width: float, lanes: int = LABEL_LANES
) -> list[tuple[int, float]]:
    """(lane, left) for labels `marks` = (centre x, text width), in the order given: each on
    the first row where it does not run into the label before it, centred on its mark but
    kept inside `width`. Retries 3 s apart on a 35 s axis drew "#1 503 ✗#2 503 ✗" on top of
    each other. With every row taken, the row whose last label ends first (labels may
    then touch, never cover one another's start)."""
    ends = [-LABEL_GAP] * lanes  # where each row's last label ends
    placed = []
    for centre, text_width in marks:
        left = min(max(centre - text_width / 2, 2.0), max(width - text_width - 2, 2.0))
        lane = next((n for n in range(lanes) if ends[n] + LABEL_GAP <= left), None)
        if lane is None:
            lane = min(range(lanes), key=lambda n: ends[n])
            left = max(left, ends[lane] + LABEL_GAP)
        ends[lane] = left + text_width
        placed.append((lane, left))
    return placed


class TimelineCanvas(QWidget):
    """Paints the marks of one job between its first and last moment."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: JobTrack | None = None
        self.setMinimumHeight(96)
        self.setMinimumWidth(320)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Attempts on a time axis: ✓ delivered, ✗ failed, ◌ next retry")
        self.setAccessibleName("Retry timeline chart")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.WindowText)
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        job = self.job
        if job is None:
            painter.setPen(text_colour)
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "No callback job selected yet."
            )
            return
        now = time.time()
        start = job.started
        end = max(job.last_time, job.next_retry_at or 0.0, now if job.in_flight else 0.0)
        span = max(end - start, 1.0)
        left, right = 40.0, float(self.width() - 40)

        def x_of(t: float) -> float:
            return left + (right - left) * (t - start) / span

        font = painter.font()
        metrics = painter.fontMetrics()
        lane_height = metrics.height() + 1
        # The labelled marks (attempts, or how a stream closed), each label on a row of its
        # own when they would run into each other; the axis goes below the rows used.
        points: list[tuple[float, QColor, str, bool]] = []  # (time, colour, label, a dot)
        if job.streaming and job.closed is not None:
            t, code, _ = job.closed
            ok = code == 1000
            label = f"closed {close_code_text(code)} {'✓' if ok else '✗'}"
            points.append((t, _OK if ok else _FAIL, label, True))
        elif not job.streaming:
            if job.transcribed_at is not None:  # a tick, not a dot: not an attempt
                points.append((job.transcribed_at, _WAIT, "transcribed", False))
            attempts: tuple[AttemptMark, ...] = job.attempts
            points += [
                (a.time, _OK if a.ok else _FAIL, f"#{a.number} {a.text()}", True) for a in attempts
            ]
        points.sort(key=lambda p: p[0])
        spans = [(x_of(p[0]), float(metrics.horizontalAdvance(p[2]))) for p in points]
        placed = place_labels(spans, self.width())
        deepest = max((lane for lane, _ in placed), default=0)
        axis_y = max(min(self.height() * 0.62, 80.0), 16.0 + deepest * lane_height + 30)

        painter.setPen(QPen(text_colour, 1))
        painter.drawLine(QPointF(left, axis_y), QPointF(right, axis_y))
        for i in range(6):  # tick labels in seconds from the start
            t = start + span * i / 5
            x = x_of(t)
            painter.drawLine(QPointF(x, axis_y - 3), QPointF(x, axis_y + 3))
            label = f"+{t - start:.1f} s"
            painter.drawText(QPointF(x - metrics.horizontalAdvance(label) / 2, axis_y + 18), label)
        painter.drawText(QPointF(4, axis_y - 6), "job")

        def marks(radius: float = 6.0) -> None:
            """A dot per point on the axis, its label above, a dotted line down to it."""
            for (x, _w), (lane, label_x), (_t, colour, label, dot) in zip(
                spans, placed, points, strict=True
            ):
                baseline = 16 + lane * lane_height
                painter.setPen(QPen(colour, 2))
                painter.setBrush(colour)
                if dot:
                    painter.drawEllipse(QPointF(x, axis_y), radius, radius)
                else:
                    painter.drawLine(QPointF(x, axis_y - 10), QPointF(x, axis_y + 10))
                painter.setPen(text_colour)
                painter.drawText(QPointF(label_x, baseline), label)
                painter.setPen(QPen(colour, 1, Qt.PenStyle.DotLine))
                painter.drawLine(QPointF(x, baseline + 4), QPointF(x, axis_y - radius))

        if job.streaming:
            for m in job.messages:
                x = x_of(m.time)
                painter.setPen(QPen(_OK if m.is_final else text_colour, 2))
                height = 22 if m.is_final else 12
                painter.drawLine(QPointF(x, axis_y - height), QPointF(x, axis_y))
        marks()
        if not job.streaming:
            if job.next_retry_at is not None and job.outcome is None:
                x = x_of(job.next_retry_at)
                painter.setPen(QPen(_WAIT, 2, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(x, axis_y), 6.0, 6.0)
                left_s = max(0.0, job.next_retry_at - now)
                painter.setPen(text_colour)
                label = f"◌ retry in {left_s:.1f} s"
                box_x = min(max(x - 60, 2.0), self.width() - 122.0)
                painter.drawText(
                    QRectF(box_x, axis_y + 22, 120, 18), Qt.AlignmentFlag.AlignCenter, label
                )
        if job.in_flight:
            painter.setPen(QPen(_WAIT, 1, Qt.PenStyle.DashLine))
            x = x_of(now)
            painter.drawLine(QPointF(x, 22), QPointF(x, axis_y + 6))
        painter.setFont(font)


class TimelineView(QWidget):
    """Headline, canvas and the table of attempts (or stream messages) for one request_id.

    Without a job it folds to its one-line title (`folded`): an empty axis is no use and
    took 40 % of a small window's height (issue 14 item 11)."""

    folded_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: JobTrack | None = None
        self.folded = False
        layout = QVBoxLayout(self)
        self._layout = layout
        self.title = plain_label(EMPTY_TITLE, self)
        self.summary = plain_label("", self)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setToolTip("Attempts so far of the emulator's maximum, and what happens next")
        self.canvas = TimelineCanvas(self)
        self.model = QStandardItemModel(0, 5, self)
        self.model.setHorizontalHeaderLabels(["#", "Time", "Status", "Latency", "Error / note"])
        self.table = table_view(self.model, self)
        self.table.setToolTip("Every attempt with its status, latency and error")
        self.table.setAccessibleName("Retry timeline attempts")
        for col, width in enumerate((32, 92, 72, 72)):
            self.table.setColumnWidth(col, width)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.canvas)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.split = split
        self.title.setToolTip("The request_id shown, its callback URL; or how to get a job here")
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.set_folded(True)
        self._rows_shown = -1
        self.timer = QTimer(self)
        self.timer.setInterval(COUNTDOWN_MS)
        self.timer.timeout.connect(self._tick)

    def show_job(self, job: JobTrack | None) -> None:
        """Show `job`: another request_id's, or the latest state of the one shown."""
        changed = (job and job.request_id) != (self.job and self.job.request_id)
        self.job = job
        self.canvas.job = job
        if changed:
            self._rows_shown = -1
        self.set_folded(job is None)
        self.refresh()

    def set_folded(self, folded: bool) -> None:
        """Only the title (no job), or the whole timeline."""
        if folded == self.folded:
            return
        self.folded = folded
        self.summary.setVisible(not folded)
        self.split.setVisible(not folded)
        if folded:
            margins = self._layout.contentsMargins()
            line = self.title.fontMetrics().lineSpacing()
            self.setMaximumHeight(line + 4 + margins.top() + margins.bottom())
        else:
            self.setMaximumHeight(QWIDGETSIZE_MAX)
        self.folded_changed.emit(folded)

    def refresh(self) -> None:
        job = self.job
        if job is None:
            self.title.setText(EMPTY_TITLE)
            self.summary.setText("")
            self.timer.stop()
            self.canvas.update()
            return
        what = "stream" if job.streaming else f"{job.method or 'POST'} callback"
        target = f" to {job.callback}" if job.callback else ""
        self.title.setText(f"request_id {job.request_id}: {what}{target}")
        self.summary.setText(summary_text(job, time.time()))
        rows = job.message_count + (1 if job.closed else 0) if job.streaming else len(job.attempts)
        if rows != self._rows_shown:
            self._rows_shown = rows
            set_rows(self.model, self._table_rows(job))
        if job.in_flight:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
        self.canvas.update()

    def _table_rows(self, job: JobTrack) -> list[list]:
        if job.streaming:
            rows = [
                [
                    item(str(n)),
                    item(_clock(m.time)),
                    item("final" if m.is_final else "interim" if m.is_final is False else ""),
                    item(""),
                    item(m.type),
                ]
                for n, m in enumerate(job.messages, job.message_count - len(job.messages) + 1)
            ]
            if job.closed is not None:
                t, code, reason = job.closed
                rows.append(
                    [
                        item("end"),
                        item(_clock(t)),
                        item(f"closed {close_code_text(code)}"),
                        item(""),
                        item(reason, tooltip=reason),
                    ]
                )
            return rows
        return [
            [
                item(str(a.number)),
                item(_clock(a.time)),
                item(a.text() if a.status is not None else "✗ no reply"),
                item(f"{a.latency_ms:.0f} ms"),
                item(a.error or ""),
            ]
            for a in job.attempts
        ]

    def _tick(self) -> None:
        if self.job is None:
            self.timer.stop()
            return
        self.summary.setText(summary_text(self.job, time.time()))
        self.canvas.update()
