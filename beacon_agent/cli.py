"""``nahbei-agent``: the beacon agent's command line.

Each subcommand is one ``_add_<name>`` function that registers its subparser and points it at one
``_cmd_<name>(args) -> int`` handler; ``main`` only parses and dispatches.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any, Final

from beacon_agent.frames import decode

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
    _add_decode(subparsers)
    return parser


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
