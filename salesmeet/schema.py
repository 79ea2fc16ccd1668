"""A drf-spectacular post-processing hook, so that the OpenAPI schema
describes what the API really sends (schemathesis checks every answer
against it: ``tests/test_api_fuzz.py``)."""

from __future__ import annotations

DRF_ERRORS = "DrfErrors"
# DRF writes a TimeField as a wall-clock time without offset ("09:00:00"),
# which JSON Schema's RFC 3339 "time" format refuses.
WALL_CLOCK_TIME = {
    "type": "string",
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
    "example": "09:00:00",
}


def describe_drf_answers(result, generator, request, public):
    """Let every documented 4xx body also be DRF's own error body (a view
    that documents its refusals still answers invalid input, a body it could
    not read or a missing permission the way DRF does), and describe times
    as the wall-clock times they are."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[DRF_ERRORS] = {
        "type": "object",
        "description": (
            'DRF\'s error body: `{"field": ["message"]}` for invalid input, '
            '`{"detail": "message"}` otherwise.'
        ),
        "additionalProperties": {},
    }
    drf_errors = {"$ref": f"#/components/schemas/{DRF_ERRORS}"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for code, response in responses.items():
                if not str(code).startswith("4"):
                    continue
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = {"anyOf": [media["schema"], drf_errors]}
    return _wall_clock_times(result)


def _wall_clock_times(node):
    if isinstance(node, dict):
        node = {key: _wall_clock_times(value) for key, value in node.items()}
        if node.get("format") == "time":
            del node["format"]
            node = {**WALL_CLOCK_TIME, **node}
        return node
    if isinstance(node, list):
        return [_wall_clock_times(item) for item in node]
    return node
