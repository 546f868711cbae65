"""The public surface is pinned: adding or removing a name is a deliberate change (style.md, habit 1)."""

import zscontract


def test_all_is_pinned() -> None:
    assert sorted(zscontract.__all__) == sorted([
        "RunResult", "RunSettings", "execute_run", "resolve",
        "Contract", "FieldSpec", "load_contract",
        "Case", "InputClass", "classify_fields",
        "CheckFailed", "FailureRecord", "check", "check_names",
        "DOCUMENTED", "ZSTACK", "Client", "ClientSettings", "Dialect", "Exchange", "Outcome", "Redactor",
        "Request", "Response", "get_dialect",
        "ContractFileError", "PreconditionFailed", "TargetUnreachable", "UsageError",
        "ZsContractError",
    ])


def test_every_exported_name_exists() -> None:
    for name in zscontract.__all__:
        assert getattr(zscontract, name) is not None, name


def test_check_registry_has_every_check_of_the_oracle() -> None:
    from zscontract.checks import names

    assert zscontract.check_names() == sorted(names.ALL)


def test_names_resolve_lazily_to_the_objects_of_their_modules() -> None:
    import importlib

    for name in zscontract.__all__:
        module, attribute = zscontract._SOURCES[name]
        assert getattr(zscontract, name) is getattr(importlib.import_module(module), attribute), name
    assert sorted(zscontract._SOURCES) == sorted(zscontract.__all__)
    assert set(zscontract.__all__) <= set(dir(zscontract))


def test_an_unknown_name_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'execute'"):
        zscontract.execute  # type: ignore[attr-defined]  # noqa: B018
