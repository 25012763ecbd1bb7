"""API error answers: a status, a message and, for validation, each field at fault with the reason."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import JSONResponse


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorOut(BaseModel):
    error: str
    errors: list[FieldError] | None = None


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"error": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status)


def invalid(field_name: str, reason: str) -> ApiError:
    return ApiError(422, "validation failed", [{"field": field_name, "reason": reason}])


def not_found(what: str) -> ApiError:
    return ApiError(404, f"no such {what}")
