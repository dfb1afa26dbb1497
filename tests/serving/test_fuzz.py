"""Fuzz the API from its own OpenAPI spec (schemathesis): no input gives a server error. Small and
deterministic (a few derandomised examples per endpoint, valid and invalid), on the DuckDB snapshot; the
tenant in the path is a real one, so the queries behind each endpoint run on the fuzzed parameters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.serving.conftest import Served, serving

#: Examples per endpoint and mode: enough to cross every parameter's edge, small enough for the suite.
EXAMPLES = 5


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator[Served]:
    with serving("duckdb", tmp_path_factory.mktemp("fuzzed")) as built:
        yield built


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_input_is_a_server_error(fuzzed: Served, mode: GenerationMode):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case) -> None:
            if "tenant_id" in (case.path_parameters or {}):
                case.path_parameters["tenant_id"] = "acme"
            response = fuzzed.client.request(
                case.method,
                case.formatted_path,
                params=case.query,
                headers={**(case.headers or {}), **fuzzed.headers(fuzzed.admin)},
            )
            assert response.status_code < 500, (case.as_curl_command(), response.text)
            assert response.status_code in {200, 404, 422}, (case.as_curl_command(), response.text)

        no_server_error()
