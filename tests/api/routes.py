"""The API's routes as (METHOD, path template), read from its OpenAPI document.

FastAPI nests included routers, so ``app.routes`` does not list every endpoint; the
OpenAPI document does.
"""

from __future__ import annotations

from typing import Any

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def api_routes(app: Any, prefix: str = "/api/v1") -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(prefix)
        for method in operations
        if method in HTTP_METHODS
    }
