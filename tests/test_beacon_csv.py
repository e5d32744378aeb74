"""Reading beacons from a vendor's CSV file (`backend.beacon_csv`): every bad row named with its line,
never an exception; the good rows come back too (the page checks them against the store), but a file
with any problem is imported by no caller."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.beacon_csv import (
    COLUMNS,
    EXAMPLE_CSV,
    MAX_CSV_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS,
    Parsed,
    Problem,
    beacon_from_fields,
    read_csv,
)
from backend.models import AltBeaconIn, EddystoneEidIn, EddystoneUidIn, IBeaconIn
from backend.storage.rows import beacon_key

UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"


def test_the_example_file_reads_as_five_beacons_of_every_kind() -> None:
    parsed = read_csv(EXAMPLE_CSV.encode())
    assert parsed.problems == []
    assert [(line, type(b)) for line, b in parsed.beacons] == [
        (2, IBeaconIn),
        (3, IBeaconIn),
        (4, AltBeaconIn),
        (5, EddystoneUidIn),
        (6, EddystoneEidIn),
    ]
    first = parsed.beacons[0][1]
    assert beacon_key(first) == f"ibeacon:{UUID}:100:1" and first.label == "Eingang" and first.tx_power == -59
    assert parsed.beacons[3][1].label == "Hof" and parsed.beacons[2][1].label == "Café"


def test_german_excel_columns_in_any_order_any_case_with_semicolons_and_a_bom() -> None:
    text = (
        f"Label;MINOR;Kind;uuid;major\r\nTür;7;iBeacon;{UUID.upper()};1\r\n;;;;\r\nHof;8;ibeacon;{UUID};1\r\n"
    )
    parsed = read_csv(b"\xef\xbb\xbf" + text.encode())
    assert parsed.problems == []
    assert [(line, beacon_key(b), b.label) for line, b in parsed.beacons] == [
        (2, f"ibeacon:{UUID}:1:7", "Tür"),
        (4, f"ibeacon:{UUID}:1:8", "Hof"),
    ]


def test_every_bad_row_is_named_with_its_line_and_column_and_nothing_is_returned() -> None:
    text = (
        "kind,label,uuid,major,minor,namespace,instance\n"
        f"ibeacon,ok,{UUID},1,1,,\n"  # 2: fine
        "ibeacon,bad uuid,not-a-uuid,1,2,,\n"  # 3
        f"ibeacon,too big,{UUID},1,70000,,\n"  # 4
        f"ibeacon,no minor,{UUID},1,,,\n"  # 5
        "eddystone-uid,short,,,,abc,0123456789ab\n"  # 6
        f"eddystone-uid,with a uuid,{UUID},,,edd1ebeac04e5defa017,0123456789ab\n"  # 7
        "bluetooth-tag,what,,,,,\n"  # 8
        f"ibeacon,again,{UUID},1,1,,\n"  # 9: the beacon of line 2
        "ibeacon,x,y,z,1,2,3,4,5\n"  # 10: more cells than columns
    )
    parsed = read_csv(text.encode())
    assert [line for line, _ in parsed.beacons] == [2]  # the good rows, to check against the store
    assert parsed.problems == [
        Problem(3, "uuid", "invalid"),
        Problem(4, "minor", "invalid"),
        Problem(5, "minor", "missing"),
        Problem(6, "namespace", "invalid"),
        Problem(7, "uuid", "not_for_kind"),
        Problem(8, "kind", "invalid"),
        Problem(9, "", "duplicate", other_line=2),
        Problem(10, "", "too_many_cells"),
    ]


def test_a_header_with_unknown_or_repeated_columns_or_without_kind_is_refused_at_line_one() -> None:
    assert read_csv(b"kind,colour,label,label\nibeacon,,,\n").problems == [
        Problem(1, "colour", "unknown_column"),
        Problem(1, "label", "repeated_column"),
    ]
    assert read_csv(b"label,uuid\nx,y\n").problems == [Problem(1, "kind", "no_kind_column")]


def test_files_that_are_no_csv_of_beacons_say_so() -> None:
    assert read_csv(b"").problems == [Problem(0, "", "empty")]
    assert read_csv(b"kind,label\n\n\n").problems == [Problem(0, "", "empty")]
    assert read_csv("kind,label\nibeacon,Tür\n".encode("cp1252")).problems == [Problem(0, "", "not_utf8")]
    assert read_csv(b'kind,label\n"ibeacon,x\n').problems == [Problem(2, "", "not_csv")]
    assert read_csv(b"kind\nibeacon\x00\n").problems == [Problem(2, "kind", "invalid")]
    assert read_csv(b"k" * (MAX_CSV_BYTES + 1)).problems == [Problem(0, "", "too_large")]


def test_more_rows_than_allowed_are_refused_at_the_first_row_too_many() -> None:
    rows = "".join(f"ibeacon,,{UUID},1,{minor}\n" for minor in range(MAX_ROWS + 1))
    parsed = read_csv(("kind,label,uuid,major,minor\n" + rows).encode())
    assert parsed.problems == [Problem(MAX_ROWS + 2, "", "too_many_rows")]


def test_problems_beyond_the_listed_ones_are_counted() -> None:
    rows = "ibeacon,,bad,1,1\n" * (MAX_PROBLEMS + 5)
    parsed = read_csv(("kind,label,uuid,major,minor\n" + rows).encode())
    assert len(parsed.problems) == MAX_PROBLEMS and parsed.more_problems == 5


def test_a_form_reads_hex_with_0x_and_spaces_and_leaves_empty_fields_to_their_defaults() -> None:
    made = beacon_from_fields(
        {"kind": "eddystone-uid", "namespace": "0xEDD1 EBEA C04E 5DEF A017", "instance": "01:23:45:67:89:AB"}
    )
    assert isinstance(made, EddystoneUidIn)
    assert (made.namespace, made.instance, made.tx_power, made.label) == (
        "edd1ebeac04e5defa017",
        "0123456789ab",
        -59,
        "",
    )
    assert beacon_from_fields({"kind": "ibeacon", "label": "x"}) == [
        Problem(0, "uuid", "missing"),
        Problem(0, "major", "missing"),
        Problem(0, "minor", "missing"),
    ]
    assert beacon_from_fields({"kind": "", "label": "x"}) == [Problem(0, "kind", "missing")]
    label = beacon_from_fields(
        {"kind": "altbeacon", "id1": UUID, "id2": "1", "id3": "2", "label": "a\x1b[2Jb"}
    )
    assert label == [Problem(0, "label", "invalid")]


def _well_formed(parsed: Parsed) -> None:
    assert parsed.beacons or parsed.problems
    for problem in parsed.problems:
        assert problem.line >= 0
        assert problem.field in ("", *COLUMNS) or problem.reason in ("unknown_column", "repeated_column")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_beacons_or_problems_never_an_exception(data: bytes) -> None:
    _well_formed(read_csv(data))


CELLS = st.one_of(
    st.sampled_from(
        ["ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid", UUID, "1", "65536", "-59", ""]
    ),
    st.text(max_size=30),
    st.from_regex(r"[0-9a-fA-F]{12,32}", fullmatch=True),
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([*COLUMNS, "other"]), min_size=1, max_size=8),
    st.lists(st.lists(CELLS, max_size=9), max_size=12),
    st.sampled_from([",", ";"]),
)
def test_any_table_of_cells_is_beacons_or_problems_with_a_line_each(
    header: list[str], rows: list[list[str]], delimiter: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    parsed = read_csv(out.getvalue().encode())
    _well_formed(parsed)
    lines = out.getvalue().count("\n") + 1
    assert all(problem.line <= lines for problem in parsed.problems)
    assert all(2 <= line <= lines for line, _ in parsed.beacons)
