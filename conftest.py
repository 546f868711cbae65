"""Root conftest: thin. Fixtures live in tests/fixtures/*.py (style.md, habit 8)."""

pytest_plugins = [
    "tests.fixtures.hypothesis_profiles",
    "tests.fixtures.scripted",
    "tests.fixtures.servers",
]
