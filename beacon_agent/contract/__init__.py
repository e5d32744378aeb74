"""What every Nahbei program shares: the wire models, beacon keys, frame codecs, EID maths, the
distance model and the logging setup.

The backend and the simulator import the agent's package only through here, and nothing here
imports the agent's runtime (scanner, outbox, reporter, ...): `make test` checks both with
import-linter (`[tool.importlinter]` in pyproject.toml). It lives inside `beacon_agent` because the
agent installs alone on a Pi and must not need the backend.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version


def version() -> str:
    """The installed version of Nahbei, for heartbeats and /healthz."""
    try:
        return _installed_version("nahbei")
    except PackageNotFoundError:
        return "0+unknown"
