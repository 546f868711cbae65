"""Hypothesis strategies for the three input classes, built from the contract's field specs.

``classify_fields`` (``zscontract.core.cases``) is the authority on classes; these strategies are
written to produce each class, and tests/harness/test_inputs.py checks that they agree with it.
"""

from zscontract.strategies.accept import must_accept, must_accept_fields, valid_value
from zscontract.strategies.either import duplicate_key_body, either_way
from zscontract.strategies.reject import must_reject
from zscontract.strategies.text import edge_text, must_accept_text
from zscontract.strategies.yaml_doc import plain_yaml_document, yaml_document

__all__ = [
    "duplicate_key_body",
    "edge_text",
    "either_way",
    "must_accept",
    "must_accept_fields",
    "must_accept_text",
    "must_reject",
    "plain_yaml_document",
    "valid_value",
    "yaml_document",
]
