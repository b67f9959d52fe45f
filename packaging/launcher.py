"""Entry point of the PyInstaller bundles (all platforms).

`freeze_support()` must run first: the speech recogniser runs in processes started with the
"spawn" method (inspector/engine/emulator/asr_worker.py); in a bundle those children are the
frozen executable itself, started with multiprocessing's arguments, and this call turns such a
start into the worker instead of a second app.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from inspector.cli import main

    sys.exit(main())
