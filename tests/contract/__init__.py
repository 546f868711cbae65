"""Contributors run the packaged contract suite (``src/zscontract/suite``) from here with the root conftest's
budgets: ``pytest tests/contract``; users run it with ``pytest --pyargs zscontract.suite``."""
