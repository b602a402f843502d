"""The OpenAPI 3.1 description of the JSON API (`/api/openapi.json`), written by hand next
to the handlers it describes; a test checks that every documented path is served."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}

_BOARD = {
    "type": "object",
    "properties": {
        "community": {"type": "string"},
        "period": {"type": "string", "enum": ["week", "month", "all"]},
        "label": {"type": "string", "description": "the period in the community's language"},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "description": "members on the board"},
        "members": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "place": {"type": "integer", "description": "equal points share a place"},
                    "name": {"type": "string"},
                    "points": {"type": "integer"},
                    "rank": {"type": "string"},
                    "badges": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["place", "name", "points", "rank", "badges"],
            },
        },
    },
    "required": ["community", "period", "label", "page", "pages", "total", "members"],
}


_IDEAS = {
    "type": "object",
    "properties": {
        "community": {"type": "string"},
        "statuses": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "label": {"type": "string"},
                    "total": {"type": "integer"},
                    "ideas": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "number": {"type": "integer"},
                                "title": {"type": "string"},
                                "description": {"type": "string"},
                                "status": {"type": "string"},
                                "votes_for": {"type": "integer"},
                                "votes_against": {"type": "integer"},
                                "reason": {"type": ["string", "null"]},
                                "history": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
}

_MEMBER = {
    "type": "object",
    "properties": {
        "community": {"type": "string"},
        "name": {"type": "string"},
        "rank": {"type": "string"},
        "next": {"type": "string", "description": "what the next rank needs, in words"},
        "place": {"type": ["integer", "null"], "description": "all-time place"},
        "points": {
            "type": "object",
            "properties": {p: {"type": "integer"} for p in ("week", "month", "all")},
        },
        "activity": {"type": "object", "additionalProperties": {"type": "string"}},
        "badges": {"type": "array", "items": {"type": "string"}},
    },
}

_POLL = {
    "type": "object",
    "properties": {
        "community": {"type": "string"},
        "number": {"type": "integer"},
        "title": {"type": "string"},
        "result": {"type": "object", "additionalProperties": {"type": "string"}},
        "rounds": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "votes": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "eliminated": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    said = {
        400: "a parameter is not valid",
        404: "no such community, or its pages are not public",
        429: "too many requests from this client; see Retry-After",
    }
    return {
        str(code): {
            "description": said[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def _path(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _read(summary: str, schema: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                    },
                },
                **_errors(404, 429),
            },
        }
    }


def description(version: str) -> dict[str, Any]:
    """The API as OpenAPI 3.1."""
    community = {
        "name": "community",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "the community's name (its slug)",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cercle community API",
            "version": version,
            "description": "Read-only public data of the communities whose pages are public. "
            "Members who chose to be hidden, excluded members and bots never appear. "
            "Rate-limited per client (429 with Retry-After).",
        },
        "paths": {
            "/api/c/{community}/leaderboard": {
                "get": {
                    "summary": "A page of the community's leaderboard",
                    "parameters": [
                        community,
                        {
                            "name": "period",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": ["week", "month", "all"],
                                "default": "week",
                            },
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "default": 1},
                        },
                        {
                            "name": "size",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 100,
                                "default": 25,
                            },
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "the page",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Leaderboard"}
                                }
                            },
                        },
                        **_errors(400, 404, 429),
                    },
                }
            },
            "/api/c/{community}/ideas": _read(
                "The ideas board: ideas by status with votes and history", "Ideas", [community]
            ),
            "/api/c/{community}/members/{name}": _read(
                "A member's profile (hidden and excluded members have none)",
                "Member",
                [community, _path("name", "string")],
            ),
            "/api/c/{community}/polls/{number}": _read(
                "A closed poll's result, with each round of a ranked poll",
                "Poll",
                [community, _path("number", "integer")],
            ),
        },
        "components": {
            "schemas": {
                "Leaderboard": _BOARD,
                "Ideas": _IDEAS,
                "Member": _MEMBER,
                "Poll": _POLL,
                "Error": _ERROR,
            }
        },
    }
