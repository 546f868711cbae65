"""The contract suite, shipped in the package so a ``pip install zscontract`` can run it.

    pytest --pyargs zscontract.suite --zs-target-url URL --zs-session-uuid S --zs-model-service-uuid UUID

Without ``--zs-target-url`` the embedded reference server is started, once per dialect. The
example budget is a Hypothesis profile (:mod:`zscontract.suite.budget`), chosen with
``HYPOTHESIS_PROFILE``. The checkout's ``tests/contract`` re-exports these modules, so the suite
has one copy. Importing this package loads nothing: pytest imports the test modules when it
collects them.
"""
