"""Schemathesis's pytest face: its examples, coverage and fuzzing cases, judged by our oracle.

The same judgement as the run's schemathesis phase (:class:`zscontract.runner.st_phase.StJudge`):
each case is classified by ``classify_fields`` and judged by the harness's checks; the first
failure is raised, so pytest reports it (and Hypothesis shrinks it). Only PUT on the resource
under test is sent (the phase's guard refuses anything else before it leaves).

Run against staging with ``pytest --pyargs zscontract.suite --zs-target-url ... --zs-model-service-uuid ...``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import GenerationMode

from zscontract.core.dialects import API_PATH
from zscontract.runner.st_phase import StJudge, st_config

# What tests/contract re-exports (fixtures included: pytest collects what a module's namespace holds).
__all__ = [
    "zs_st_judge",
    "zs_st_schema",
    "_st_node_id_compat",
    "test_update_model_service",
]

MAX_EXAMPLES = 5  # per phase: a breadth sweep of a few seconds per dialect, the property tests go deep


@pytest.fixture(scope="session")
def zs_st_judge(zs_settings: Any, zs_harness: Any) -> Iterator[StJudge]:
    """The judge on the session's harness: its state moves on with every case."""
    if zs_settings.read_only:  # as a CLI run's --read-only skips its schemathesis phase
        pytest.skip("zscontract: --zs-read-only: schemathesis writes")
    judge = StJudge(zs_harness)
    yield judge
    judge.close()


@pytest.fixture
def zs_st_schema(zs_settings: Any, zs_contract: Any, zs_target: Any, zs_st_judge: StJudge) -> Any:
    """The contract of this dialect as a schemathesis schema, aimed at the target's resource."""
    harness = zs_st_judge.harness
    config = st_config(base_url=zs_target.url, session=harness.client.settings.session_uuid,
                       uuid=harness.uuid, seed=zs_settings.seed, max_examples=MAX_EXAMPLES,
                       request_timeout=zs_settings.request_timeout, rate_limit=zs_settings.rate_limit)
    schema = zs_st_judge.schema(zs_contract, config)
    _warm_lambda_descriptions(schema)
    return schema


def _warm_lambda_descriptions(schema: Any) -> None:
    """Validate the case strategies once here, at a shallow stack.

    Validating describes schemathesis's lambdas, and Hypothesis parses their module's source for
    that. On CPython 3.11.7 that ``ast.parse`` sometimes fails with ``SystemError: AST constructor
    recursion depth mismatch`` when it first runs deep inside a Hypothesis test (the AST builder's
    recursion-depth bookkeeping; about half of the runs here failed before this warm-up). Hypothesis
    caches the parse, so doing it here first keeps it out of the test.
    """
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            operation.as_strategy(generation_mode=mode).validate()


@pytest.fixture(autouse=True)
def _st_node_id_compat(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's lazy loader reads ``node._nodeid``, which pytest 9.2 no longer has (its ids
    are structured, ``node._id``); it only re-labels the subtests with it, so the string id will do."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# The lazy loader keeps its own operation filter: the fixture's ``include`` is not seen here.
schema = schemathesis.pytest.from_fixture("zs_st_schema").include(path=API_PATH, method="PUT")


@schema.parametrize()
def test_update_model_service(case: schemathesis.Case[Any], zs_st_judge: StJudge) -> None:
    failures = zs_st_judge.response(case.call(), case)
    if failures:
        raise failures[0]
