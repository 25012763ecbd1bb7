"""Routes for the declared operations: one per path, HEAD as GET, and JSON 404/405 for the rest of the prefix."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.web.api.errors import ApiError
from app.web.api.framework import Operation, run

ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def build_routes(operations: list[Operation]) -> list[BaseRoute]:
    """One route per path (so a wrong method gets 405 with every allowed method in `Allow`)."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    routes: list[BaseRoute] = []
    for path, methods in by_path.items():

        async def endpoint(request: Request, methods: dict[str, Operation] = methods) -> Response:
            method = "GET" if request.method == "HEAD" else request.method  # Starlette drops a HEAD answer's body
            return await run(request, methods[method])

        routes.append(Route(path, endpoint, methods=list(methods)))
    known = list(routes)

    async def no_such_path(request: Request) -> Response:
        """Unknown paths under the API answer in JSON; a known path with another method gets 405 and `Allow`."""
        for route in known:
            if isinstance(route, Route) and route.path_regex.match(request.url.path):
                allowed = ", ".join(sorted(route.methods or ()))
                error = ApiError(405, f"{request.method} is not allowed here; use {allowed}").response()
                error.headers["Allow"] = allowed
                return error
        return ApiError(404, f"no such API path: {request.url.path}").response()

    routes.append(Route(f"{prefix(operations)}/{{rest:path}}", no_such_path, methods=list(ALL_METHODS)))
    return routes


def prefix(operations: list[Operation]) -> str:
    """The path all operations share (`/api/v1`)."""
    return "/" + "/".join(operations[0].path.strip("/").split("/")[:2])
