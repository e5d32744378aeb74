"""Logging for every Nahbei program: structlog, configured once at the entry point.

JSON lines in production (for journald and log shippers), readable text on a terminal. The standard
library's loggers (aiohttp, bleak) go through the same processors. Nothing personal is logged: no
addresses of phones or clients, no locations. bleak's and dbus-fast's debug lines print every BlueZ
signal with its device path (``/org/bluez/hci0/dev_AA_BB_...``) and ``Address``; rather than lose those
lines, which are what debugging needs, every rendered line has its radio addresses masked
(`scrub_radio_addresses`).
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from collections.abc import MutableMapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Literal

from aiohttp.http_exceptions import HttpProcessingError


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the `sys.stderr` of the moment, not of the set-up: a thread logging after its
    caller swapped or closed the stream (pytest's capture between tests) would otherwise fail."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _structlog_without_rich() -> ModuleType:
    """structlog loads rich (and with it pygments) for pretty tracebacks merely because it is
    installed, as it is with the dev extras; Nahbei prints plain lines, and on a Pi every megabyte of
    the agent's footprint counts. So the first import of structlog is made with rich hidden."""
    if "structlog" in sys.modules:
        return sys.modules["structlog"]
    hidden = {name: sys.modules.get(name) for name in ("rich", "better_exceptions")}
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # the documented way to make an import fail
    try:
        return importlib.import_module("structlog")
    finally:
        for name, module in hidden.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module


if TYPE_CHECKING:
    import structlog
else:
    structlog = _structlog_without_rich()

LogFormat = Literal["auto", "json", "console"]

# A radio (MAC) address as bleak, dbus-fast and BlueZ spell it: AA:BB:.., aa-bb-.., or dev_AA_BB_...
_RADIO_ADDRESS: Final = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Fa-f]{2}([:_-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z])"
)


def _mask(match: re.Match[str]) -> str:
    return match.group(1).join(["XX"] * 6)


def scrub_radio_addresses(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask radio addresses in every text value of a line (the message and a formatted traceback too),
    keeping the separator so a device path stays readable as one: ``dev_XX_XX_XX_XX_XX_XX``."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = _RADIO_ADDRESS.sub(_mask, value)
    return event_dict


def configure(fmt: LogFormat = "auto", level: str = "info") -> None:
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StandardError()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            # The standard library's records carry their exception as `exc_info`: rendered here, or
            # JSON would show a tuple's repr instead of the traceback.
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                scrub_radio_addresses,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's access log would carry client addresses: Nahbei logs requests itself, without them.
    logging.getLogger("aiohttp.access").disabled = True
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, RefusedRequests) for f in server.filters):
        server.addFilter(RefusedRequests())


class RefusedRequests(logging.Filter):
    """aiohttp's server logs each request it cannot parse as an error naming the client's address,
    with the offending bytes (which may hold anything, an address in X-Forwarded-For among them).

    Anyone on the internet can send such bytes (port scanners, TLS spoken to a plain port), so this is
    neither the service's error nor worth a traceback: the line stays, at info, saying what kind of
    refusal it was, and the address and the bytes go. Other aiohttp errors pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            without_traceback(record, f"refused a request that is not valid HTTP ({type(exc).__name__})")
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


def without_traceback(record: logging.LogRecord, message: str) -> None:
    """Make `record` one line, `message`, for an error that is expected and no fault of the program
    (a traceback would say otherwise)."""
    record.msg = message
    record.args = ()
    record.exc_info = None
    record.exc_text = None
