"""``nahbei-agent``: the beacon agent's command line.

Each subcommand is one ``_add_<name>`` function that registers its subparser and points it at one
``_cmd_<name>(args) -> int`` handler; ``main`` only parses and dispatches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, Final

import aiohttp

from beacon_agent.config import AgentConfig, ConfigError, describe_settings, load_config
from beacon_agent.contract import logs
from beacon_agent.contract.frames import decode

SQLITE_HEADER: Final = b"SQLite format 3\x00"  # the first bytes of every SQLite file
_DECODE_EXAMPLE: Final = """\
Each input line is one advertisement in bleak's shapes (company ids in decimal, payloads in hex):

  {"manufacturer_data": {"76": "0215426c7565436861726d426561636f6e730efe1355c5"}, "service_data": {}}

and gives one output line with every beacon frame found in it:

  {"frames": [{"kind": "ibeacon", "key": "ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949",
   "uuid": "426c7565-4368-6172-6d42-6561636f6e73", "major": 3838, "minor": 4949, "tx_power": -59}]}

An advertisement without a beacon gives {"frames": []}; a line that is not such JSON gives
{"frames": [], "error": "..."} and decoding carries on. Blank lines are skipped.

Example:
  echo '{"service_data": {"0000feaa-0000-1000-8000-00805f9b34fb": "10f8036769746875620063697472757a"}}' \\
    | nahbei-agent decode
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nahbei-agent",
        description="Nahbei beacon agent: hears BLE beacons at a site and reports them to the backend.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(subparsers)
    _add_check(subparsers)
    _add_decode(subparsers)
    return parser


_CONFIG_HELP = (
    "the agent's TOML file (see agent.example.toml); every setting can be overridden by "
    "NAHBEI_AGENT_<SECTION>_<KEY>, e.g. NAHBEI_AGENT_BACKEND_TOKEN"
)


def _add_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="scan, aggregate and report until SIGTERM or Ctrl-C",
        description="Run the agent: scan with BlueZ, keep sightings in the outbox, report them to the backend, "
        "advertise what the backend asks. SIGTERM saves the current window to the outbox, then exits.",
    )
    run.add_argument("--config", type=Path, required=True, metavar="FILE", help=_CONFIG_HELP)
    run.set_defaults(handler=_cmd_run)


def _add_check(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = subparsers.add_parser(
        "check",
        help="validate the config, reach the backend with the token, find the adapter",
        description="Check that this machine is ready: the config file, the backend and the agent's token "
        "(with a heartbeat that raises no alert), and the Bluetooth adapter. Exit status 0 when all pass.",
    )
    check.add_argument("--config", type=Path, required=True, metavar="FILE", help=_CONFIG_HELP)
    check.add_argument("--settings", action="store_true", help="also print every setting with its default")
    check.set_defaults(handler=_cmd_check)


def _load(path: Path) -> AgentConfig | None:
    try:
        return load_config(path, os.environ)
    except ConfigError as error:
        print(f"nahbei-agent: {error}", file=sys.stderr)
        return None


def _cmd_run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    if (unusable := _unusable_outbox(config.outbox.path)) is not None:
        print(f"nahbei-agent: {unusable}", file=sys.stderr)
        return 2
    logs.configure(config.log.format, config.log.level)
    return asyncio.run(_run(config))


def _unusable_outbox(path: Path) -> str | None:
    """Why the outbox file cannot be used, said in one line before the agent starts, or None.

    A folder, a folder that cannot be made or written, or a file that is not SQLite: the agent would
    otherwise stop at its first write with a traceback.
    """
    where = f"cannot use the outbox {str(path)!r}"
    if path.is_dir():
        return f"{where}: it is a folder; name a file in it, e.g. {str(path / 'outbox.db')!r} ([outbox] path)"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"), path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"{where}: {exc.strerror or exc}; the agent must be able to write the file and its folder"
    if header and header != SQLITE_HEADER:
        return f"{where}: it is not an outbox (not SQLite at all); name a new file ([outbox] path)"
    return None


async def _run(config: AgentConfig) -> int:
    from beacon_agent.bluez import quiet_lost_bus_writes
    from beacon_agent.service import Agent

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(quiet_lost_bus_writes)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with aiohttp.ClientSession() as session:
        await Agent(config, session).run(stop)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    from beacon_agent.check import run_checks

    findings = asyncio.run(run_checks(config, args.config))
    for finding in findings:
        print(finding.line())
    if args.settings:
        print()
        print(describe_settings())
    return 0 if all(f.ok for f in findings) else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


def _add_decode(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    decode_parser = subparsers.add_parser(
        "decode",
        help="decode advertisements given as JSON lines on stdin into beacon frames",
        description="Decode BLE advertisements (JSON lines, stdin) into beacon frames (JSON lines, stdout).",
        epilog=_DECODE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decode_parser.set_defaults(handler=_cmd_decode)


def _cmd_decode(args: argparse.Namespace) -> int:
    try:
        for answer in _decode_lines(sys.stdin.buffer):
            _write_line(sys.stdout, answer)
    except BrokenPipeError:
        # The reader went away (``| head``); point stdout at nothing so the interpreter's own flush
        # at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _decode_lines(lines: Iterable[bytes]) -> Iterable[dict[str, Any]]:
    """One answer per non-blank input line: its frames, or no frames and the reason."""
    for raw in lines:
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            continue
        try:
            manufacturer_data, service_data = _parse_advertisement(text)
        except ValueError as error:
            yield {"frames": [], "error": str(error)}
            continue
        yield {"frames": [frame.as_dict() for frame in decode(manufacturer_data, service_data)]}


def _parse_advertisement(text: str) -> tuple[dict[int, bytes], dict[str, bytes]]:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError("expected a JSON object with manufacturer_data and service_data")
    manufacturer_data: dict[int, bytes] = {}
    for key, value in _object(document, "manufacturer_data").items():
        if not key.isascii() or not key.isdigit():
            raise ValueError(f"manufacturer_data key {key[:20]!r} is not a decimal company id")
        manufacturer_data[int(key)] = _hex(value, "manufacturer_data")
    service_data = {
        key: _hex(value, "service_data") for key, value in _object(document, "service_data").items()
    }
    return manufacturer_data, service_data


def _object(document: dict[str, Any], name: str) -> dict[str, Any]:
    value = document.get(name, {})
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return value


def _hex(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{name} values must be hex strings")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{name} value {value[:20]!r} is not hex") from None


def _write_line(stream: IO[str], answer: dict[str, Any]) -> None:
    stream.write(json.dumps(answer) + "\n")
    stream.flush()
