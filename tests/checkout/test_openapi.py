"""`/api/openapi.json` describes the JSON API, and schemathesis holds the app to it (bounded examples)."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .helpers import ADMIN_TOKEN

EXAMPLES_PER_OPERATION = 25  # 15 operations: a few seconds on this 2-core machine


def test_openapi_document_is_3_1_and_lists_every_json_route(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    api_rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert api_rules == set(document["paths"])


def test_api_conforms_to_its_openapi_document(app):
    # (The schemathesis pytest plugin does not run under pytest 9 yet, so each operation's
    # strategy is driven with hypothesis directly.)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 15, operations  # every path but the document itself
    for operation in operations:
        check_operation(operation)


def check_operation(operation) -> None:
    """Call one operation with generated requests and validate every answer against the document."""
    # No generated request can carry a valid Stripe signature: there, refusing is the right answer.
    excluded = [positive_data_acceptance] if operation.path == "/api/stripe/webhook" else []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def conforms(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, excluded_checks=excluded)

    conforms()
