"""Render the app icon (resources/icons/callback-inspector.svg) to the formats installers need.

    python packaging/make_icons.py OUT_DIR

writes OUT_DIR/callback-inspector.ico (Windows: 16-256 px), OUT_DIR/callback-inspector.icns
(macOS) and OUT_DIR/callback-inspector-<N>.png, using Qt's own SVG renderer and image writers,
so no other tool is needed on any system. The outputs are build products (not committed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "callback-inspector.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def main(out_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"make_icons: cannot render {SVG}", file=sys.stderr)
        return 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        images[size] = image
        image.save(str(out / f"callback-inspector-{size}.png"))
    # Qt's ico writer stores one image per write; the largest icon Windows needs is 256 px.
    ico = QImageWriter(str(out / "callback-inspector.ico"), b"ico")
    if not ico.write(images[256]):
        print(f"make_icons: .ico: {ico.errorString()}", file=sys.stderr)
        return 1
    icns = QImageWriter(str(out / "callback-inspector.icns"), b"icns")
    if not icns.write(images[1024]):
        print(f"make_icons: .icns: {icns.errorString()}", file=sys.stderr)
        return 1
    del app
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "icons")))
