"""The beacon agent, and what every Nahbei program shares: the wire contract, keys and frame codecs."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _installed_version


def version() -> str:
    """The installed version of Nahbei, for heartbeats and /healthz."""
    try:
        return _installed_version("nahbei")
    except PackageNotFoundError:
        return "0+unknown"
