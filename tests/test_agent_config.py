"""The agent's configuration: real TOML files in tmp_path, an environment given as a dict."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from beacon_agent import constants as c
from beacon_agent.config import AgentConfig, ConfigError, describe_settings, load_config
from beacon_agent.contract.distance import PATH_LOSS_EXPONENT

MINIMAL = '[backend]\nurl = "https://nahbei.example.org/"\ntoken = "nba_s3cret"\n'
TOKEN_ENV = {"NAHBEI_AGENT_BACKEND_TOKEN": "nba_from_env"}


def write(tmp_path: Path, text: str | bytes, name: str = "agent.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def error_of(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env or {})
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return message


def test_a_minimal_file_gets_working_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), {})
    assert config.backend.url == "https://nahbei.example.org"  # no trailing slash to double up in paths
    assert config.backend.token.get_secret_value() == "nba_s3cret"
    assert "nba_s3cret" not in repr(config) and "nba_s3cret" not in str(config)
    assert config.scan.mode == "active" and config.scan.adapter == "hci0"
    assert config.scan.kinds == ["ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid"]
    assert config.scan.uuids == [] and config.scan.namespaces == []
    assert config.scan.flush_interval_s == c.FLUSH_INTERVAL_S
    assert config.scan.rssi_half_life_s == c.RSSI_HALF_LIFE_S
    assert config.scan.path_loss_exponent == PATH_LOSS_EXPONENT
    assert config.scan.watchdog_quiet_s == c.WATCHDOG_QUIET_S
    assert config.outbox.path == Path(c.OUTBOX_PATH)
    assert config.outbox.max_sightings == c.OUTBOX_MAX_SIGHTINGS
    assert config.report.batch_max == c.REPORT_BATCH_MAX
    assert config.report.heartbeat_interval_s == c.HEARTBEAT_INTERVAL_S
    assert config.advertise.enabled is True
    assert (config.log.format, config.log.level) == ("auto", "info")


def test_filters_are_stored_canonical(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[scan]\nuuids = ["426C7565-4368-6172-6D42-6561636F6E73", "{fda50693a4e24fb1afcfc6eb07647825}"]\n'
        'namespaces = ["00112233445566778899"]\n'
    )
    path = write(tmp_path, text)
    config = load_config(path, {})
    assert config.scan.uuids == [
        "426c7565-4368-6172-6d42-6561636f6e73",
        "fda50693-a4e2-4fb1-afcf-c6eb07647825",
    ]
    assert config.scan.namespaces == ["00112233445566778899"]


def test_the_token_may_come_from_the_environment_only(tmp_path: Path) -> None:
    path = write(tmp_path, '[backend]\nurl = "http://127.0.0.1:8080"\n')
    assert load_config(path, TOKEN_ENV).backend.token.get_secret_value() == "nba_from_env"


def test_environment_overrides_the_file_with_typed_values(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '[scan]\nmode = "active"\nflush_interval_s = 30\n')
    env = {
        "NAHBEI_AGENT_SCAN_MODE": "passive",
        "NAHBEI_AGENT_SCAN_FLUSH_INTERVAL_S": "12.5",
        "NAHBEI_AGENT_SCAN_KINDS": "ibeacon, eddystone-eid",
        "NAHBEI_AGENT_SCAN_UUIDS": "",
        "NAHBEI_AGENT_SCAN_EXPECT_BEACONS": "no",
        "NAHBEI_AGENT_OUTBOX_MAX_SIGHTINGS": "5000",
        "NAHBEI_AGENT_OUTBOX_PATH": "/var/lib/nahbei-agent/outbox.sqlite3",
        "NAHBEI_AGENT_ADVERTISE_ENABLED": "False",
        "NAHBEI_AGENT_LOG_LEVEL": "debug",
        "NAHBEI_AGENT_BACKEND_TOKEN": "nba_rotated",
        # not ours: other programs' variables and a section we do not have are left alone
        "NAHBEI_AGENT_CONFIG": "/etc/nahbei/agent.toml",
        "NAHBEI_DB": "x.db",
        "PATH": "/usr/bin",
    }
    config = load_config(path, env)
    assert config.scan.mode == "passive"
    assert config.scan.flush_interval_s == 12.5
    assert config.scan.kinds == ["ibeacon", "eddystone-eid"]
    assert config.scan.uuids == []
    assert config.scan.expect_beacons is False
    assert config.outbox.max_sightings == 5000
    assert config.outbox.path == Path("/var/lib/nahbei-agent/outbox.sqlite3")
    assert config.advertise.enabled is False
    assert config.log.level == "debug"
    assert config.backend.token.get_secret_value() == "nba_rotated"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"NAHBEI_AGENT_SCAN_MODE": "fast"},
            'scan.mode (from NAHBEI_AGENT_SCAN_MODE): must be "active" or "passive"',
        ),
        (
            {"NAHBEI_AGENT_SCAN_FLUSH_INTERVAL_S": "soon"},
            "scan.flush_interval_s (from NAHBEI_AGENT_SCAN_FLUSH",
        ),
        ({"NAHBEI_AGENT_SCAN_EXPECT_BEACONS": "maybe"}, "must be true or false"),
        (
            {"NAHBEI_AGENT_SCAN_MOED": "passive"},
            'scan.moed (from NAHBEI_AGENT_SCAN_MOED): unknown setting (did you mean "mode"?)',
        ),
        (
            {"NAHBEI_AGENT_SCAN_UUIDS": "426c7565-4368-6172-6d42-6561636f6e73,nope"},
            "scan.uuids[1] (from NAHBEI_AGENT_SCAN_UUIDS)",
        ),
    ],
)
def test_a_bad_environment_value_names_the_variable(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    assert expected in error_of(write(tmp_path, MINIMAL), env)


BROKEN: list[tuple[str, str | bytes, str]] = [
    (
        "bad mode",
        MINIMAL + '[scan]\nmode = "fast"\n',
        'scan.mode: must be "active" or "passive" (got "fast")',
    ),
    (
        "typo in a key",
        MINIMAL + '[scan]\nmdoe = "active"\n',
        'scan.mdoe: unknown setting (did you mean "mode"?)',
    ),
    (
        "typo in a section",
        MINIMAL + '[sacn]\nmode = "active"\n',
        'sacn: unknown setting (did you mean "scan"?)',
    ),
    (
        "key outside a section",
        'mode = "passive"\n' + MINIMAL,
        'mode: unknown setting (settings go in sections: did you mean "scan.mode"?)',
    ),
    (
        "quoted number",
        MINIMAL + '[scan]\nflush_interval_s = "30"\n',
        'scan.flush_interval_s: must be a number (got "30")',
    ),
    (
        "number too small",
        MINIMAL + "[scan]\nflush_interval_s = 0\n",
        "scan.flush_interval_s: must be greater than or equal to 1 (got 0)",
    ),
    (
        "not a finite number",
        MINIMAL + "[scan]\npath_loss_exponent = nan\n",
        "scan.path_loss_exponent: must be a finite number (got NaN)",
    ),
    (
        "url frames as a kind",
        MINIMAL + '[scan]\nkinds = ["ibeacon", "eddystone-url"]\n',
        'scan.kinds: "eddystone-url" carries a web address, not an identity: URL frames are never reported '
        '(got ["ibeacon", "eddystone-url"])',
    ),
    (
        "tlm as a kind",
        MINIMAL + '[scan]\nkinds = ["eddystone-tlm"]\n',
        'scan.kinds: "eddystone-tlm" is telemetry, not a sighting: it is attached to its UID/EID beacon '
        '(scan.telemetry) (got ["eddystone-tlm"])',
    ),
    (
        "unknown kind",
        MINIMAL + '[scan]\nkinds = ["ibeacon", "bluetooth"]\n',
        'scan.kinds: "bluetooth" is not one of "ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid" '
        '(got ["ibeacon", "bluetooth"])',
    ),
    ("no kinds", MINIMAL + "[scan]\nkinds = []\n", "scan.kinds: must name at least one kind (got [])"),
    (
        "bad uuid",
        MINIMAL + '[scan]\nuuids = ["426c7565-4368-6172-6d42-6561636f6e73", "nope"]\n',
        'scan.uuids[1]: must be a UUID like 8-4-4-4-12 hex digits (got "nope")',
    ),
    (
        "bad namespace",
        MINIMAL + '[scan]\nnamespaces = ["abc"]\n',
        'scan.namespaces[0]: must be an Eddystone namespace of 20 hex digits (got "abc")',
    ),
    (
        "list expected",
        MINIMAL + '[scan]\nuuids = "426c7565-4368-6172-6d42-6561636f6e73"\n',
        'scan.uuids: must be a list, e.g. ["a", "b"] (got "426c7565-4368-6172-6d42-6561636f6e73")',
    ),
    (
        "bad adapter",
        MINIMAL + '[scan]\nadapter = "wlan0"\n',
        'scan.adapter: must look like "hci0" (got "wlan0")',
    ),
    (
        "string for bool",
        MINIMAL + '[scan]\nexpect_beacons = "yes"\n',
        'scan.expect_beacons: must be true or false (got "yes")',
    ),
    ("section as a value", "scan = 5\n" + MINIMAL, "scan: must be a table ([scan]) (got 5)"),
    (
        "fraction for count",
        MINIMAL + "[outbox]\nmax_sightings = 1.5\n",
        "outbox.max_sightings: must be a whole number (got 1.5)",
    ),
    (
        "batch over the wire cap",
        MINIMAL + "[report]\nbatch_max = 6000\n",
        "report.batch_max: must be less than or equal to 5000 (got 6000)",
    ),
    (
        "bad log level",
        MINIMAL + '[log]\nlevel = "verbose"\n',
        'log.level: must be "debug", "info", "warning" or "error" (got "verbose")',
    ),
    (
        "no backend",
        '[scan]\nmode = "active"\n',
        "backend: required: add a [backend] section with url and token "
        "(or set NAHBEI_AGENT_BACKEND_URL and NAHBEI_AGENT_BACKEND_TOKEN)",
    ),
    (
        "no url",
        '[backend]\ntoken = "nba_x"\n',
        "backend.url: required: set it in the file or in NAHBEI_AGENT_BACKEND_URL",
    ),
    (
        "not http",
        '[backend]\nurl = "ftp://example.org"\ntoken = "t"\n',
        'backend.url: must be an http:// or https:// URL (got "ftp://example.org")',
    ),
    ("not toml", MINIMAL + "[scan]\nmode = active\n", "not valid TOML: Invalid value (at line 5, column 8)"),
    (
        "unclosed table",
        "[backend\n",
        "not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 9)",
    ),
    ("not utf-8", b'[backend]\nurl = "\xff"\n', "not UTF-8 text (byte 17)"),
    (
        "several errors",
        MINIMAL + '[scan]\nmode = "fast"\nadapter = 0\n',
        'scan.mode: must be "active" or "passive" (got "fast") (and 1 more)',
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(text, expected) for _, text, expected in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_each_broken_file_gives_one_line_naming_file_and_field(
    tmp_path: Path, text: str | bytes, expected: str
) -> None:
    path = write(tmp_path, text)
    assert error_of(path) == f"{path}: {expected}"


def test_a_missing_file_or_a_directory_is_named(tmp_path: Path) -> None:
    assert (
        error_of(tmp_path / "nope.toml")
        == f"{tmp_path / 'nope.toml'}: cannot read the file: No such file or directory"
    )
    assert "cannot read the file" in error_of(tmp_path)


@pytest.mark.parametrize("token", ['"nba secret"', '""', "12345"])
def test_a_bad_token_is_reported_without_echoing_it(tmp_path: Path, token: str) -> None:
    path = write(tmp_path, f'[backend]\nurl = "https://example.org"\ntoken = {token}\n')
    message = error_of(path)
    assert message.startswith(f"{path}: backend.token: must be")
    assert "secret" not in message and "12345" not in message and "got" not in message


def test_the_example_config_loads_and_matches_the_defaults() -> None:
    example = resources.files("beacon_agent").joinpath("agent.example.toml")
    with resources.as_file(example) as path:
        config = load_config(path, TOKEN_ENV)
        text = path.read_text()
    defaults = AgentConfig.model_validate({"backend": {"url": config.backend.url, "token": "nba_from_env"}})
    assert config == defaults
    # Every setting is shown (and explained) in the example, in its section.
    sections = dict(re.findall(r"^\[(\w+)\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S))
    for name, section in AgentConfig.model_fields.items():
        assert name in sections, name
        model = section.annotation
        assert model is not None
        for key in model.model_fields:
            assert re.search(rf"^(# )?{key} = ", sections[name], flags=re.M), f"{name}.{key}"


def test_describe_settings_lists_every_setting_with_its_variable() -> None:
    table = describe_settings()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    total = sum(
        len(field.annotation.model_fields) for field in AgentConfig.model_fields.values() if field.annotation
    )
    assert len(rows) == total
    assert '| `scan.mode` | `NAHBEI_AGENT_SCAN_MODE` | `"active"` |' in table
    assert "| `backend.token` | `NAHBEI_AGENT_BACKEND_TOKEN` | (required) |" in table
    assert "| `scan.flush_interval_s` | `NAHBEI_AGENT_SCAN_FLUSH_INTERVAL_S` | `30.0` |" in table
    assert all(not row.rstrip().endswith("| None |") for row in rows)


def test_a_page_address_that_fits_an_eddystone_url_frame_is_taken(tmp_path: Path) -> None:
    text = MINIMAL + '[advertise]\nurl = "https://example.org/s/hospiz"\n'
    assert load_config(write(tmp_path, text), {}).advertise.url == "https://example.org/s/hospiz"
    assert load_config(write(tmp_path, MINIMAL), {}).advertise.url == ""


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://nahbei.example/s/hospiz", "takes 23 bytes encoded, 6 more than the 17"),
        ("https://hospiz.example/s/a", "takes 18 bytes encoded, 1 more than the 17"),
        ("ftp://example.org/s/x", "needs an http:// or https:// URL"),
        ("https://example.org/s/gärten", "cannot carry the character 'ä'"),
    ],
)
def test_a_page_address_no_eddystone_url_frame_holds_stops_the_agent_with_one_line(
    tmp_path: Path, url: str, problem: str
) -> None:
    path = write(tmp_path, MINIMAL + f'[advertise]\nurl = "{url}"\n')
    message = error_of(path)
    assert message.startswith(f"{path}: advertise.url: ")
    assert problem in message and "\n" not in message
    env = {"NAHBEI_AGENT_ADVERTISE_URL": url}
    assert "advertise.url (from NAHBEI_AGENT_ADVERTISE_URL)" in error_of(write(tmp_path, MINIMAL), env)
