"""The `agent.toml` a new agent starts with, and the commands that install it on a Pi. Pure.

The staff pages hand it out once, with the agent's token in it, on the answer to the form that
created the agent. Only `[backend]` is written: every other setting keeps the agent's default
(`beacon_agent.config`), so the file stays valid as the agent gains settings. The backend may not
import the agent's config code (it installs alone on a Pi), so a test loads this file with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

FILE_NAME: Final = "agent.toml"

# The README's "Running the agent on a Raspberry Pi" shows the same three (a test keeps them equal).
# The file holds the token, so it is readable by root and the bluetooth group only: the agent's
# systemd unit runs as a dynamic user in that group.
INSTALL_COMMANDS: Final = (
    "sudo apt install python3-venv bluez && sudo python3 -m venv /opt/nahbei/venv"
    " && sudo /opt/nahbei/venv/bin/pip install /path/to/a/checkout",
    "sudo install -D -m 640 -g bluetooth agent.toml /etc/nahbei/agent.toml"
    " && sudo /opt/nahbei/venv/bin/nahbei-agent check --config /etc/nahbei/agent.toml",
    "sudo cp \"$(/opt/nahbei/venv/bin/python -c 'import beacon_agent, pathlib;"
    " print(pathlib.Path(beacon_agent.__file__).parent)')\"/nahbei-agent.service /etc/systemd/system/"
    " && sudo systemctl enable --now nahbei-agent",
)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def agent_toml(base_url: str, token: str, site_name: str, agent_name: str, made_at: datetime) -> str:
    """The whole file: where the backend is and the agent's token, with a word on keeping it safe."""
    return (
        "# Nahbei beacon agent: made by the staff pages on "
        f"{made_at.strftime('%Y-%m-%d %H:%M %Z').strip()}\n"
        f"# site: {toml_string(site_name)}, agent: {toml_string(agent_name)}\n"
        "#\n"
        "# This file holds the agent's token, which was shown only once: keep it safe (readable by root\n"
        "# and the bluetooth group only) and never share it. Lost or leaked? Revoke the agent on its site's\n"
        "# Agents page and create a new one. Every other setting has its default:\n"
        "# `nahbei-agent check --config /etc/nahbei/agent.toml --settings` lists them all.\n"
        "\n"
        "[backend]\n"
        f"url = {toml_string(base_url)}\n"
        f"token = {toml_string(token)}\n"
    )
