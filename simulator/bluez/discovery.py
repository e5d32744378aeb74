"""Discovery sessions and filters, by BlueZ's rules (adapter.c), without any I/O.

BlueZ keeps one discovery session per D-Bus client (its unique bus name): a second `StartDiscovery`
from the same client is `InProgress`, `StopDiscovery` without a session is `Failed "No discovery
started"`, and a client that leaves the bus loses its session. A filter set with `SetDiscoveryFilter`
belongs to the client too and applies from its next `StartDiscovery`. An advertisement is reported
when any discovering client's filter accepts it; duplicates are reported in full when any
discovering client asked for `DuplicateData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from dbus_fast import Variant

from simulator.bluez.adv_data import MAX_DBM, MIN_DBM, Advertisement, normalize_uuid
from simulator.bluez.defs import failed, in_progress, invalid_arguments

# What GetDiscoveryFilters answers: the keys SetDiscoveryFilter understands.
FILTER_KEYS: Final = ("UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern")
_SIGNATURES: Final = {
    "UUIDs": "as",
    "RSSI": "n",
    "Pathloss": "q",
    "Transport": "s",
    "DuplicateData": "b",
    "Discoverable": "b",
    "Pattern": "s",
}
# Path loss is TX power minus RSSI; BlueZ accepts 0..137 dB.
MAX_PATHLOSS: Final = 137


@dataclass(frozen=True, slots=True)
class DiscoveryFilter:
    """One client's discovery filter; the defaults are BlueZ's (no filtering, duplicates suppressed)."""

    uuids: frozenset[str] = frozenset()
    rssi: int | None = None
    pathloss: int | None = None
    transport: str = "auto"
    duplicate_data: bool = False
    discoverable: bool = False
    pattern: str = ""

    def accepts(self, adv: Advertisement) -> bool:
        """BlueZ's is_filter_match: transport, service UUIDs (listed or with data), RSSI, path loss, pattern."""
        if self.transport == "bredr":
            return False
        if (
            self.uuids
            and self.uuids.isdisjoint(adv.service_uuids)
            and self.uuids.isdisjoint(adv.service_data)
        ):
            return False
        if self.rssi is not None and adv.rssi < self.rssi:
            return False
        if self.pathloss is not None and (adv.tx_power is None or adv.tx_power - adv.rssi > self.pathloss):
            return False
        return not (
            self.pattern
            and not adv.address.startswith(self.pattern.upper())
            and not (adv.local_name or "").startswith(self.pattern)
        )


def _value(key: str, raw: Any) -> Any:
    """Unwrap a Variant after checking its signature, as BlueZ's dict parser does."""
    if not isinstance(raw, Variant):
        return raw
    if raw.signature != _SIGNATURES[key]:
        raise invalid_arguments(f"{key} must have signature {_SIGNATURES[key]}")
    return raw.value


def parse_filter(options: Mapping[str, Any]) -> DiscoveryFilter | None:
    """Parse SetDiscoveryFilter's dict; None means "no filter" (an empty dict clears it). Raises BluezError."""
    if not options:
        return None
    values: dict[str, Any] = {}
    for key, raw in options.items():
        if key not in _SIGNATURES:
            raise invalid_arguments(f"unknown discovery filter key {key}")
        values[key] = _value(key, raw)
    rssi = values.get("RSSI")
    pathloss = values.get("Pathloss")
    if rssi is not None and pathloss is not None:
        raise invalid_arguments("RSSI and Pathloss cannot be combined")
    if rssi is not None and not MIN_DBM <= rssi <= MAX_DBM:
        raise invalid_arguments("RSSI out of range")
    if pathloss is not None and not 0 <= pathloss <= MAX_PATHLOSS:
        raise invalid_arguments("Pathloss out of range")
    transport = values.get("Transport", "auto")
    if transport not in ("auto", "le", "bredr"):
        raise invalid_arguments(f"unknown transport {transport}")
    try:
        uuids = frozenset(normalize_uuid(u) for u in values.get("UUIDs", ()))
    except ValueError as exc:
        raise invalid_arguments(str(exc)) from exc
    return DiscoveryFilter(
        uuids=uuids,
        rssi=rssi,
        pathloss=pathloss,
        transport=transport,
        duplicate_data=bool(values.get("DuplicateData", False)),
        discoverable=bool(values.get("Discoverable", False)),
        pattern=str(values.get("Pattern", "")),
    )


@dataclass(slots=True)
class DiscoveryState:
    """Who is discovering, with which filter. Methods return True when `discovering` flipped."""

    filters: dict[str, DiscoveryFilter | None] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    _accepting: tuple[DiscoveryFilter, ...] | None = None
    _duplicates: bool = False

    @property
    def discovering(self) -> bool:
        return bool(self.sessions)

    def set_filter(self, client: str, discovery_filter: DiscoveryFilter | None) -> None:
        if discovery_filter is None and client not in self.sessions:
            self.filters.pop(client, None)
        else:
            self.filters[client] = discovery_filter
        self._recompute()

    def start(self, client: str) -> bool:
        if client in self.sessions:
            raise in_progress()
        was = self.discovering
        self.sessions.add(client)
        self.filters.setdefault(client, None)
        self._recompute()
        return not was

    def stop(self, client: str) -> bool:
        if client not in self.sessions:
            raise failed("No discovery started")
        return self.drop(client)

    def drop(self, client: str) -> bool:
        """Forget a client (it left the bus, or stopped): its session and its filter."""
        was = self.discovering
        self.sessions.discard(client)
        self.filters.pop(client, None)
        self._recompute()
        return was and not self.discovering

    def clear(self) -> bool:
        """Power off or bluetoothd gone: every session and filter ends."""
        was = self.discovering
        self.sessions.clear()
        self.filters.clear()
        self._recompute()
        return was

    def accepts(self, adv: Advertisement) -> bool:
        """Does any discovering client want this advertisement?"""
        if self._accepting is None:
            return bool(self.sessions)
        return any(f.accepts(adv) for f in self._accepting)

    @property
    def report_duplicates(self) -> bool:
        return self._duplicates

    def _recompute(self) -> None:
        """Cache what `accepts()` needs: per-advertisement work must stay small at thousands per second."""
        active = [self.filters.get(client) for client in self.sessions]
        # A discovering client without a filter wants everything, so no filter needs checking.
        self._accepting = None if any(f is None for f in active) else tuple(f for f in active if f)
        self._duplicates = any(f is not None and f.duplicate_data for f in active)
