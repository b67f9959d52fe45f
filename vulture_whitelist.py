# Names vulture cannot see used, each with the reason it is kept (`make deadcode`).
# vulture reads this file as code that "uses" the names below; it is never imported or run.
# Anything vulture reports that is not here is dead: make it used, or delete it.
# ruff: noqa
# mypy: ignore-errors

# -- Called by a framework, not by our code ------------------------------------------------
# Qt virtual methods (the model/view, drag and drop, syntax highlighting, proxy filtering).
_.columnCount  # ui/check_handler_dialog.py, ui/rules_panel.py
_.headerData  # ui/check_handler_dialog.py, ui/rules_panel.py, ui/stored_model.py, ui/traffic_model.py
_.supportedDropActions  # ui/rules_panel.py
_.mimeTypes  # ui/rules_panel.py
_.mimeData  # ui/rules_panel.py
_.dropMimeData  # ui/rules_panel.py
_.highlightBlock  # ui/code_view.py
_.filterAcceptsRow  # ui/traffic_filter.py
_.itemAt  # ui/widgets.py: a QLayout of our own
_.takeAt
_.expandingDirections
_.hasHeightForWidth
_.heightForWidth
# asyncio.Protocol and aiohttp's RequestHandler callbacks; aiohttp's own keep-alive handle.
_.eof_received  # engine/receiver_connections.py
_.handle_error  # engine/receiver_connections.py
_._keepalive_handle  # engine/receiver_connections.py: aiohttp's attribute, reset by ours
# sqlite3 and PyAV read these attributes we set.
_.row_factory  # store/session_reader.py
_.pts  # engine/emulator/audio.py: an av.AudioFrame's timestamp
__getitem__  # store/light_rows.py: rows read by column name (row["status"])
# pytest's plugin hooks and fixtures (entry point pytest11 `callback_inspector`).
pytest_addoption  # testing/plugin.py
pytest_configure  # testing/plugin.py
pytest_runtest_teardown  # testing/plugin.py
deepgram_emulator  # testing/plugin.py
deepgram_emulator_session  # testing/plugin.py
callback_receiver  # testing/plugin.py
# Loaded by name: AsrWorker's DEFAULT_TRANSCRIBER "module:Class" (a recogniser is pluggable).
PocketSphinxTranscriber  # engine/emulator/transcriber.py
# A TypeVar bound written as a string (a typeshed-only type, imported under TYPE_CHECKING).
DataclassInstance  # testing/_loop.py

# -- Public API whose callers are outside this package --------------------------------------
# inspector.testing: what users' test suites call (docs/testing.md lists every one).
_.delivered  # testing/emulator.py
_.sdk_environment  # testing/emulator.py
_.sdk_client  # testing/emulator.py
_.delay_next  # testing/emulator.py
_.drop_next_stream  # testing/emulator.py
_.delay_callbacks  # testing/emulator.py
_.rejections  # testing/emulator.py
_.injections  # testing/emulator.py
_.wait_for_injection  # testing/emulator.py
_.wait_for_injection_async  # testing/emulator.py
_.wait_for_job  # testing/emulator.py
_.wait_for_job_async  # testing/emulator.py
_.wait_for_stream  # testing/emulator.py
_.wait_for_stream_async  # testing/emulator.py
_.wait_for_async  # testing/receiver.py
_.wait_for_messages  # testing/receiver.py
_.wait_for_messages_async  # testing/receiver.py
# The control API (issue 16): an engine in another process, steered by commands. The window
# does not use these yet; control clients (`gui --attach`, scripts) and their tests do.
ChildEngine  # engine/child_engine.py
RemoteEngine  # engine/remote_engine.py
read_token  # engine/remote_engine.py
supports  # engine/control_client.py: the hello's list of commands the engine knows
# Fields of public records (read by callers of the store and of core's tables).
schema_version  # store/session_reader.py: SessionMeta, what `sessions --json` users read
repetitions  # core/check_payloads.py: LongResult, how many times the sample fills the body
needs  # core/listen_parameters.py: the parameters a parameter needs to take effect
# Deepgram's documented values of `encoding` and `version`: parsed by value (Encoding(text)).
LINEAR16  # core/listen_options.py
LINEAR32
FLAC
ALAW
MULAW
AMR_NB
AMR_WB
OPUS
OGG_OPUS
SPEEX
G729
V1
LATEST
# Counters the session benchmark prints (bench/session_open.py: "bodies read while listing").
_.rows_built  # ui/stored_session.py
_.bodies_loaded  # ui/stored_session.py
# Keeps the open rule editor (a non-modal dialog) referenced while it is open.
_._editor  # ui/rules_panel.py
# Lets a caller wait for the recognition helper processes to be ready; the worker's split of a
# file over processes is tested with it (tests/engine/test_transcriber.py).
_.wait_ready  # engine/emulator/asr_worker.py
# The list's columns by key and the writer's commit count: small public reads of core's table and
# of the writer (tests read them; the group-commit test shows batching by `commits`).
column_index  # core/columns.py
_.commits  # store/session.py
# Keeps the filter box's completer (its Python slots) referenced beside its Qt parent.
_.filter_completer  # ui/traffic_pane.py
# A barrier a client of the control API waits on: every command sent so far taken (scripts
# and tests; the window needs none, each of its commands has a future of its own).
_.settle  # engine/control_client.py
# inspector.testing for the SDK's 3.x and 4.x (docs/testing.md): options, not an environment.
_.sdk_options  # testing/emulator.py
