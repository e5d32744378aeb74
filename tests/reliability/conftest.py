"""The reliability suite: short versions run in ``make test``, long ones in ``make reliability``.

Tests marked ``long`` (load and soak, the full privacy audit) run only in ``make reliability``; every
other test here runs in both, scaled by `scaled()` (short in ``make test``).
"""

# The `figure` fixture is in tests/conftest.py: the fuzzing outside this folder records figures too.
