"""Validate JSON against Deepgram's own API specs (copies in `tests/data/deepgram/`).

    from tests.deepgram_schemas import validate_rest, validate_stream
    validate_rest("ListenV1Response", body)        # any name under openapi components/schemas
    validate_stream("Results", message)            # a /v1/listen server message of asyncapi.yml

Both raise `jsonschema.ValidationError` with the failing path. The specs are lax (few
`required`, no `additionalProperties: false`), so `undeclared_rest_properties` /
`undeclared_stream_properties` list the fields the spec does not declare: assert they equal
the known set to catch misspelt field names.

Translation needed to load the specs (kept minimal, on purpose):
- openapi.yml is OpenAPI 3.1, whose schemas *are* JSON Schema 2020-12 (no `nullable`, no
  `x-` keywords that matter): used as is with `Draft202012Validator`.
- asyncapi.yml is AsyncAPI 2.6, whose schemas are a Draft 7 superset: `Draft7Validator`.
  Its message `$ref`s (`#/components/messages/subpackage_listen/v1.listen...`) contain an
  unescaped `/` inside a key, which is not a valid JSON pointer; messages are therefore
  looked up by key here, and only their `payload` `$ref` (a valid pointer) is resolved.
- `format` is checked (`uuid`, and `date-time` via a small RFC 3339 check, because the
  optional `rfc3339-validator` package is not installed); `format: double` is ignored.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from jsonschema.protocols import Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7, DRAFT202012

if TYPE_CHECKING:
    from referencing._core import Resolver  # public as Registry.resolver()'s type only

SPEC_DIR = Path(__file__).parent / "data" / "deepgram"
OPENAPI_URI = "urn:deepgram:openapi.yml"
ASYNCAPI_URI = "urn:deepgram:asyncapi.yml"
LISTEN_CHANNEL = "/v1/listen"
_MESSAGE_REF_PREFIX = "#/components/messages/"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

FORMAT_CHECKER = FormatChecker()


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


FORMAT_CHECKER.checks("date-time")(_is_date_time)


@cache
def _load(name: str) -> dict[str, Any]:
    with (SPEC_DIR / name).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


@cache
def _registry() -> Registry:
    openapi = DRAFT202012.create_resource(_load("openapi.yml"))
    asyncapi = DRAFT7.create_resource(_load("asyncapi.yml"))
    registry: Registry = Registry().with_resources(
        [(OPENAPI_URI, openapi), (ASYNCAPI_URI, asyncapi)]
    )
    return registry


def rest_schema_names() -> list[str]:
    """Every schema name under openapi.yml `components/schemas`."""
    return sorted(_load("openapi.yml")["components"]["schemas"])


def stream_message_names() -> list[str]:
    """The server messages of Deepgram's `/v1/listen` socket, e.g. `Results`."""
    return sorted(_listen_messages())


@cache
def _listen_messages() -> dict[str, str]:
    """`Results` -> payload `$ref` for each message the `/v1/listen` channel publishes."""
    spec = _load("asyncapi.yml")
    messages = spec["components"]["messages"]
    found: dict[str, str] = {}
    for choice in spec["channels"][LISTEN_CHANNEL]["publish"]["message"]["oneOf"]:
        message = messages[choice["$ref"].removeprefix(_MESSAGE_REF_PREFIX)]
        found[message["name"].removeprefix("ListenV1")] = message["payload"]["$ref"]
    return found


def _rest_ref(schema_name: str) -> str:
    if schema_name not in _load("openapi.yml")["components"]["schemas"]:
        raise KeyError(f"no schema {schema_name!r} in openapi.yml")
    return f"{OPENAPI_URI}#/components/schemas/{schema_name}"


def _stream_ref(message_name: str) -> str:
    messages = _listen_messages()
    short = message_name.removeprefix("ListenV1")
    if short not in messages:
        raise KeyError(f"/v1/listen sends no {message_name!r}; known: {sorted(messages)}")
    return f"{ASYNCAPI_URI}{messages[short]}"


def rest_validator(schema_name: str) -> Validator:
    """A validator for `components/schemas/<schema_name>` of openapi.yml."""
    schema = {"$ref": _rest_ref(schema_name)}
    return Draft202012Validator(schema, registry=_registry(), format_checker=FORMAT_CHECKER)


def stream_validator(message_name: str) -> Validator:
    """A validator for the payload of `/v1/listen` server message `Results`, `Metadata`,
    `SpeechStarted` or `UtteranceEnd` (the `ListenV1` prefix is optional)."""
    schema = {"$ref": _stream_ref(message_name)}
    return Draft7Validator(schema, registry=_registry(), format_checker=FORMAT_CHECKER)


def validate_rest(schema_name: str, instance: object) -> None:
    """Raise `jsonschema.ValidationError` unless `instance` matches the openapi schema."""
    rest_validator(schema_name).validate(instance)


def validate_stream(message_name: str, instance: object) -> None:
    """Raise `jsonschema.ValidationError` unless `instance` matches the message payload."""
    stream_validator(message_name).validate(instance)


@cache
def _large_rest_validator(schema_name: str) -> Any:
    import jsonschema_rs  # Rust: a 20 MB result in under a second, jsonschema takes ~20 s

    _rest_ref(schema_name)  # KeyError for an unknown name
    # openapi.yml as the root document, so its `#/components/...` references resolve.
    root = {**_load("openapi.yml"), "$ref": f"#/components/schemas/{schema_name}"}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def validate_rest_large(schema_name: str, instance: object) -> None:
    """`validate_rest` for bodies too large for `jsonschema` (tens of MB): the same schema
    through `jsonschema-rs`. Raises `jsonschema_rs.ValidationError`."""
    _large_rest_validator(schema_name).validate(instance)


def undeclared_rest_properties(schema_name: str, instance: object) -> set[str]:
    """Object keys in `instance` that openapi schema `schema_name` does not declare, as
    paths like `results.channels[].alternatives[].words[].speaker`."""
    return _undeclared(_rest_ref(schema_name), instance)


def undeclared_stream_properties(message_name: str, instance: object) -> set[str]:
    """Object keys in `instance` that the asyncapi message payload does not declare."""
    return _undeclared(_stream_ref(message_name), instance)


def _undeclared(ref: str, instance: object) -> set[str]:
    found: set[str] = set()
    _walk(_registry().resolver(), {"$ref": ref}, instance, "", found)
    return found


def _walk(
    resolver: Resolver[Any], schema: Any, instance: object, path: str, found: set[str]
) -> None:
    """Follow `$ref`, `properties` and `items` (all these specs use for the listen shapes);
    an object schema with an empty `properties` (e.g. `model_info`) is a free-form map."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        _walk(resolved.resolver, resolved.contents, instance, path, found)
        return
    if isinstance(instance, dict) and schema.get("properties"):
        properties = schema["properties"]
        for key, value in instance.items():
            child = f"{path}.{key}" if path else key
            if key in properties:
                _walk(resolver, properties[key], value, child, found)
            else:
                found.add(child)
    if isinstance(instance, list) and "items" in schema:
        for item in instance:
            _walk(resolver, schema["items"], item, f"{path}[]", found)
