"""The OpenAPI document against the running API: generated requests (valid and invalid) for every operation get no
server error and only answers the document describes (status, content type, headers, body schema)."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.generation.modes import GenerationMode

from tests.api.conftest import LiveApi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # the same request without the key must get 401
    unsupported_method,  # methods the document does not list get 405 with `Allow`
]
# Per operation: valid requests, then invalid ones. Raise with ORDERTRAIL_SCHEMATHESIS_EXAMPLES for a longer run.
EXAMPLES = int(os.environ.get("ORDERTRAIL_SCHEMATHESIS_EXAMPLES", "20"))
Seen = Counter[tuple[str, str, int]]


def send_examples(operation: Any, live_api: LiveApi, seen: Seen) -> None:
    """The documented example requests, which must succeed."""
    headers = {"Authorization": f"Bearer {live_api.key}"}
    for strategy in operation.get_strategies_from_examples():

        @given(case=strategy)
        @settings(max_examples=1, deadline=None, phases=[Phase.generate], database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(base_url=live_api.base_url, headers=headers, checks=CHECKS)
            assert 200 <= response.status_code < 300, (case.operation.label, response.text)
            seen[(case.operation.label, "example", response.status_code)] += 1

        check()


def exercise(operation: object, mode: GenerationMode, live_api: LiveApi, seen: Seen) -> None:
    """Send EXAMPLES generated requests of one kind to one operation and check every answer."""
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    headers = {"Authorization": f"Bearer {live_api.key}"}

    @given(case=operation.as_strategy(generation_mode=mode))  # type: ignore[attr-defined]
    @settings(
        max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else max(EXAMPLES // 2, 1),
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=live_api.base_url, headers=headers, checks=checks)
        seen[(case.operation.label, str(mode), response.status_code)] += 1

    check()


@pytest.mark.parametrize("live_api", ["sqlite"], indirect=True)  # the same code answers on PostgreSQL; see tests/api
def test_every_operation_conforms_to_the_document(live_api: LiveApi) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api.base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 14
    seen: Seen = Counter()
    for operation in operations:
        send_examples(operation, live_api, seen)
    with_inputs = {op.label for op in operations if "{" in op.label or not op.label.startswith("GET")}
    assert {label for label, mode, _ in seen if mode == "example"} == with_inputs
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(operation, mode, live_api, seen)
    answered = {label for label, mode, status in seen if mode == "positive" and 200 <= status < 300}
    assert len(answered) >= len(operations) // 2, "generated requests hardly ever succeed: the document is too loose"
