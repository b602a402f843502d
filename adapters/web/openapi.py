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
            }
        },
        "components": {"schemas": {"Leaderboard": _BOARD, "Error": _ERROR}},
    }
