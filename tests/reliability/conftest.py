"""The reliability suite: short versions run in ``make test``, long ones in ``make reliability``.

Tests marked ``long`` (load and soak, the full privacy audit) run only in ``make reliability``; every
other test here runs in both, scaled by `scaled()` (short in ``make test``).
"""

from __future__ import annotations

import pytest

from tests.reliability.figures import Figures


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Figures:
    """Record a measured figure: ``figure(area, what, value, target, met)``."""
    return Figures(request.node.nodeid)
