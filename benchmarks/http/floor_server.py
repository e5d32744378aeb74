"""The floor: the backend's own edge answering `resolve` and `nearby` without looking anything up.

The bare handler shows what aiohttp costs; this shows what the contract costs on top of it before a
single beacon or site is found. It serves the real `resolve` and `nearby` operations, bound exactly
as `nahbei-backend serve` binds them (the rate limit with its keyed hash of the client, the body or
query read and validated, our headers, the metrics), with the handler swapped for one that returns
an answer the real backend gave, read from a file. Between this floor and the figure lies the lookup
and the rendering of the answer; between the bare handler and the floor, everything else.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from backend.config import settings_from
from backend.http.app import create_app
from backend.http.operations import Call, Operation, RawJson
from backend.http.routes import OPERATIONS
from backend.http.serve import serve
from beacon_agent.contract import logs


def fixed(operation: Operation, answer: bytes) -> Operation:
    """`operation` with a handler that validates nothing more and answers `answer`."""

    async def handler(call: Call) -> RawJson:
        call.headers["Content-Language"] = "de"
        return RawJson(answer)

    handler.__name__ = operation.name
    return dataclasses.replace(operation, handler=handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--db", type=Path, required=True, help="a database file for /healthz (created if new)"
    )
    parser.add_argument("--resolve-answer", type=Path, required=True, help="the body resolve answers")
    parser.add_argument("--nearby-answer", type=Path, required=True, help="the body nearby answers")
    args = parser.parse_args()
    answers = {"resolve": args.resolve_answer.read_bytes(), "nearby": args.nearby_answer.read_bytes()}
    operations = [fixed(op, answers[op.name]) for op in OPERATIONS if op.name in answers]
    settings = settings_from(db=args.db, port=args.port, log_format="json")
    logs.configure(settings.log_format, settings.log_level)
    serve(settings, create_app(settings, operations=operations))


if __name__ == "__main__":
    main()
