"""What the agent loads: on a Pi every megabyte counts (issue target: peak RSS <= 60 MB under load)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import beacon_agent.cli, beacon_agent.service
loaded = sorted(m for m in ("rich", "pygments", "beacon_agent.advertiser", "cryptography") if m in sys.modules)
print(",".join(loaded))
import rich  # still importable by anyone who wants it
"""


def test_the_scanning_agent_loads_neither_rich_nor_the_advertiser() -> None:
    """structlog would pull in rich (dev extras) and the advertiser pulls in AES; a scanning agent
    needs neither (`logs._structlog_without_rich`, lazy import in `service`)."""
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
