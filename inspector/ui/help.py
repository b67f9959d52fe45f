"""Help: the keyboard shortcuts as a table (F1), and "How callbacks work" in one page.

The page is the app's own text (no network text reaches it), so it is rich text with links;
a link to a place in the window (`inspector:submit`, `inspector:demo/retry-storm`...) is
handed to the window through `place_requested`, which shows that part.
Facts: Deepgram's callback page [CB] and the streaming notes in
`shared/deepgram/REFERENCE.md`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .widgets import item, mono_font, plain_label, rows_height, set_rows, table_view

PLACE_SCHEME = "inspector"

HOW_CALLBACKS_WORK = """
<h2>How Deepgram callbacks work</h2>
<p><b>1. You ask for a callback.</b> Send audio to <code>/v1/listen?callback=URL</code>.
Deepgram answers at once, with only <code>{"request_id": "…"}</code>. Try it from the
<a href="inspector:submit">Submit panel</a>.</p>

<p><b>2. Deepgram delivers the transcript to your URL</b>, later: a <code>POST</code> (or a
<code>PUT</code> with <code>callback_method=put</code>, what S3 presigned URLs need) whose JSON
body is the same result the synchronous call would return. Its <code>metadata.request_id</code>
is the id from step 1: that is how you match a callback to its job.
Each one shows in the <a href="inspector:list">traffic list</a>.</p>

<p><b>3. Headers.</b> <code>dg-token</code> carries the <i>identifier</i> of the API key that
submitted the job (a uuid, never the key). <code>user:pass@</code> in the callback URL arrives
as <code>Authorization: Basic …</code>. Deepgram now recommends basic auth or
<code>extra=callback_secret:…</code> (echoed in <code>metadata.extra</code>) to check that a
callback is genuine. The <a href="inspector:headers">Headers tab</a> checks and decodes both.</p>

<p><b>4. Retries: only a 2xx reply stops them.</b> Any other reply (or none) is retried up to
<b>10 times, 30 s apart</b>: 11 attempts over five minutes, each one another request with the
same <code>request_id</code>. Answer 2xx quickly and do the work afterwards; a body-size limit
(413) or a slow handler turns into retries. Watch them on the
<a href="inspector:timeline">Retry timeline</a>; make your receiver fail on purpose with the
<a href="inspector:reply">Rules panel</a> (a rule "fail the first N attempts"), or run the
<a href="inspector:demo/retry-storm">retry storm</a> demo.</p>

<p><a name="real-deepgram"></a><b>5. Only ports 80, 443, 8080 and 8443</b>, http or https,
no underscore in the host name.
Deepgram's servers cannot reach <code>127.0.0.1</code> or your LAN: the real Deepgram needs a
public URL (a tunnel) that forwards to this receiver. The built-in emulator can call local
ports (relaxed ports, in the <a href="inspector:submit">Submit panel</a>).</p>

<p><b>6. Streaming is different.</b> A live WebSocket to <code>/v1/listen</code> with an
<code>http(s)</code> callback: one <code>POST</code> per message (Results, Metadata…), not
retried. With a <code>ws(s)</code> callback Deepgram opens a WebSocket to you and sends each
message over it, and <b>if that socket drops, Deepgram ends the whole live stream</b> (close
1011): your callback endpoint's uptime is the stream's. See it in the
<a href="inspector:demo/stream-kill">stream kill</a> demo and the
<a href="inspector:websocket">WebSocket tab</a>.</p>

<p><b>7. From your tests or CI</b>: <code>callback-inspector serve</code> is this receiver and
emulator without a window, printing one JSON line per request.</p>
"""


class ShortcutsDialog(QDialog):
    """F1: every shortcut in a two-column table (keys, what they do)."""

    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Keys", "What it does"])
        set_rows(self.model, [[item(keys, mono=True), item(what)] for keys, what in shortcuts])
        self.table = table_view(self.model, self)
        self.table.setToolTip("Every keyboard shortcut of the window")
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setFont(mono_font())
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(rows_height(self.table, len(shortcuts)))
        self.table.setMinimumWidth(520)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.model.index(r, 0).data(), self.model.index(r, 1).data())
            for r in range(self.model.rowCount())
        ]


class CallbacksHelp(QDialog):
    """Help > How callbacks work: one page, with links into the window."""

    place_requested = Signal(str)  # "submit", "timeline", "demo/retry-storm"...

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("How callbacks work")
        self.resize(680, 640)
        layout = QVBoxLayout(self)
        self.page = QTextBrowser(self)
        self.page.setOpenLinks(False)  # places in the window, never a browser
        self.page.setHtml(HOW_CALLBACKS_WORK)
        self.page.setAccessibleName("How callbacks work")
        self.page.setToolTip("Links open that part of the window")
        self.page.anchorClicked.connect(self._follow)
        layout.addWidget(self.page, 1)
        layout.addWidget(
            plain_label("Links open that part of the window; Esc closes this page.", self)
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _follow(self, url: QUrl) -> None:
        if url.scheme() == PLACE_SCHEME:
            self.place_requested.emit(url.path())
