"""Beacons as people type them: one beacon from a form's fields, many from a vendor's CSV file. Pure.

A CSV file starts with a header row naming its columns (`COLUMNS`, in any order, any case); only
`kind` is required, and a row fills the columns its kind has (iBeacon: uuid, major, minor;
AltBeacon: id1, id2, id3; Eddystone-UID: namespace, instance; Eddystone-EID: identity_key,
rotation_exponent, initial_time), plus `label` and `tx_power` if wanted. Empty cells count as not
given. The text is UTF-8 (Excel's "CSV UTF-8"); commas or semicolons (German Excel) separate cells.

Nothing here raises for bad input: every problem is a `Problem` naming the line and the column, so
that a page can list every bad row at once, and a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import TypeAdapter, ValidationError

from backend.models import MAX_IMPORT, BeaconIn, EddystoneEidIn
from backend.storage.rows import beacon_key

# One vendor's list, or a federation's hundreds: a row is ~100 bytes, so 2,000 rows fit in 256 KiB.
MAX_CSV_BYTES: Final = 256 * 1024
MAX_ROWS: Final = MAX_IMPORT
# A page lists this many problems and counts the rest: a wrong file can have thousands.
MAX_PROBLEMS: Final = 100

COLUMNS: Final = (
    "kind",
    "label",
    "tx_power",
    "uuid",
    "major",
    "minor",
    "id1",
    "id2",
    "id3",
    "namespace",
    "instance",
    "identity_key",
    "rotation_exponent",
    "initial_time",
)
KINDS: Final = ("ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid")
_HEX_FIELDS: Final = frozenset({"namespace", "instance", "identity_key"})

EXAMPLE_CSV: Final = (
    "kind,label,tx_power,uuid,major,minor,id1,id2,id3,namespace,instance,identity_key,rotation_exponent,initial_time\r\n"
    "ibeacon,Eingang,-59,f7826da6-4fa2-4e98-8024-bc5b71e0893e,100,1,,,,,,,,\r\n"
    "ibeacon,Garten,-62,f7826da6-4fa2-4e98-8024-bc5b71e0893e,100,2,,,,,,,,\r\n"
    "altbeacon,Café,-59,,,,2f234454-cf6d-4a0f-adf2-f4911ba9ffa6,1,7,,,,,\r\n"
    "eddystone-uid,Hof,-20,,,,,,,edd1ebeac04e5defa017,0123456789ab,,,\r\n"
    "eddystone-eid,Kapelle,-20,,,,,,,,,00112233445566778899aabbccddeeff,10,1000\r\n"
)

Reason = Literal[
    "invalid",  # the cell is not a valid value for its column (the page says what one looks like)
    "missing",  # the row's kind needs this column
    "not_for_kind",  # this column does not belong to the row's kind
    "unknown_column",
    "repeated_column",
    "no_kind_column",
    "too_many_cells",
    "duplicate",  # the same beacon as an earlier line (`other_line`)
    "taken",  # another beacon has this key already (found when storing, not here)
    "too_many_rows",
    "too_large",
    "not_utf8",
    "not_csv",
    "empty",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, where: `line` 0 is the single form (or the file as a whole), `field` "" the row."""

    line: int
    field: str
    reason: Reason
    other_line: int = 0


@dataclass(frozen=True, slots=True)
class Parsed:
    """The file's good beacons with the line each came from, and its problems: import only if there are none."""

    beacons: list[tuple[int, BeaconIn]]
    problems: list[Problem]
    more_problems: int = 0


_BEACON: Final[TypeAdapter[BeaconIn]] = TypeAdapter(BeaconIn)


def beacon_from_fields(fields: Mapping[str, str], line: int = 0) -> BeaconIn | list[Problem]:
    """The beacon that typed `fields` (column or form field name to text) describe, or what is wrong.

    Empty values are left out, so a kind's defaults apply; numbers are read from text.
    """
    values: dict[str, str] = {}
    for name, raw in fields.items():
        text = raw.strip()
        if name in _HEX_FIELDS:
            text = text.replace(" ", "").replace(":", "").removeprefix("0x").removeprefix("0X")
        if name == "kind":
            text = text.lower().replace("_", "-").replace(" ", "-")
        if text:
            values[name] = text
    if values.get("kind") not in KINDS:
        return [Problem(line, "kind", "missing" if "kind" not in values else "invalid")]
    try:
        return _BEACON.validate_python(values)
    except ValidationError as error:
        problems = _problems(error, line)
    if values["kind"] == "ibeacon" and "allocate" not in values:
        # The model says "uuid, major and minor are required" of the three at once: name each one missing.
        problems = [p for p in problems if p.field] + [
            Problem(line, name, "missing") for name in ("uuid", "major", "minor") if name not in values
        ]
    return problems


def _problems(error: ValidationError, line: int) -> list[Problem]:
    found: dict[str, Problem] = {}
    for err in error.errors(include_url=False, include_input=False, include_context=False):
        loc = [str(part) for part in err["loc"]]
        # The union's tag comes first in `loc` (["ibeacon", "uuid"]); a model-wide check has no field.
        field = loc[1] if len(loc) > 1 else ""
        reason: Reason = "invalid"
        if err["type"] == "missing":
            reason = "missing"
        elif err["type"] == "extra_forbidden":
            reason = "not_for_kind"
        found.setdefault(field, Problem(line, field, reason))
    return list(found.values())


def read_csv(data: bytes) -> Parsed:
    """Every beacon of a CSV file, or every problem in it (see the module's docstring for the format)."""
    if len(data) > MAX_CSV_BYTES:
        return Parsed([], [Problem(0, "", "too_large")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed([], [Problem(0, "", "not_utf8")])
    first = text.lstrip("\r\n").partition("\n")[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    beacons: list[tuple[int, BeaconIn]] = []
    header: list[str] | None = None
    seen: dict[str, int] = {}
    line = 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                problems += _header_problems(header, start)
                if problems:
                    break
                continue
            if len(beacons) + len(problems) >= MAX_ROWS:
                problems.append(Problem(start, "", "too_many_rows"))
                break
            problems += _row(header, row, start, beacons, seen)
    except csv.Error:
        problems.append(Problem(line, "", "not_csv"))
    if not beacons and not problems:
        problems.append(Problem(0, "", "empty"))
    shown = problems[:MAX_PROBLEMS]
    return Parsed(beacons, shown, len(problems) - len(shown))


def _header_problems(header: list[str], line: int) -> list[Problem]:
    problems = [Problem(line, name, "unknown_column") for name in header if name and name not in COLUMNS]
    problems += [
        Problem(line, name, "repeated_column") for name in set(header) if name and header.count(name) > 1
    ]
    if "kind" not in header:
        problems.append(Problem(line, "kind", "no_kind_column"))
    return problems


def _row(
    header: list[str], row: list[str], line: int, beacons: list[tuple[int, BeaconIn]], seen: dict[str, int]
) -> list[Problem]:
    cells = list(zip(header, row, strict=False))
    if any(cell.strip() for cell in row[len(header) :]) or any(
        not name and cell.strip() for name, cell in cells
    ):
        return [Problem(line, "", "too_many_cells")]
    made = beacon_from_fields({name: cell for name, cell in cells if name}, line)
    if isinstance(made, list):
        return made
    identity = f"eid:{made.identity_key}" if isinstance(made, EddystoneEidIn) else str(beacon_key(made))
    if identity in seen:
        return [Problem(line, "", "duplicate", seen[identity])]
    seen[identity] = line
    beacons.append((line, made))
    return []
