"""Scenario files: the shipped ones load, defaults keep files short, and every mistake is one clear line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from beacon_agent.contract.keys import is_key
from simulator.cli import main
from simulator.world.scenario import (
    EddystoneEidSpec,
    EddystoneUidSpec,
    IBeaconSpec,
    Scenario,
    ScenarioError,
    WalkerGroup,
    bundled_scenarios,
    load_scenario,
    parse_scenario,
)
from simulator.world.scenario_reference import scenario_reference, scenario_schema

MINIMAL = """
name = "t"
duration_s = 60
[[sites]]
name = "A"
position = [0, 0]
"""


def test_four_scenarios_are_shipped() -> None:
    assert set(bundled_scenarios()) >= {"quiet_street", "busy_street", "dying_battery", "spoofed_ibeacon"}


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_shipped_scenario_loads(name: str) -> None:
    scenario = load_scenario(bundled_scenarios()[name])
    assert scenario.name == name
    assert scenario.sites and scenario.walkers
    for site in scenario.sites:
        assert site.prompts, "a site without prompts shows nothing"
        for prompt in site.prompts:
            assert {"de", "en"} <= set(prompt.texts)
            assert prompt.action_url is not None and prompt.action_url.startswith("https://")
        for beacon in site.beacons:
            assert beacon.position is not None
            allocated = isinstance(beacon, IBeaconSpec) and beacon.allocate
            assert beacon.key is None or is_key(beacon.key)
            assert (beacon.key is None) == (allocated or isinstance(beacon, EddystoneEidSpec))
    # Walkers arrive early enough that a demo at speed 1 sees them pass.
    arrivals = [w.arrival_s[1] for w in scenario.walkers if isinstance(w, WalkerGroup)]
    assert max(arrivals) < scenario.duration_s


def test_bundled_scenario_by_name_and_agent_demos_are_short() -> None:
    assert load_scenario("busy_street").name == "busy_street"
    assert load_scenario("busy_street.toml").name == "busy_street"
    for name in ("busy_street", "dying_battery", "spoofed_ibeacon"):
        assert 120 <= load_scenario(name).duration_s <= 300


def test_shipped_scenarios_show_what_they_are_named_for() -> None:
    busy = load_scenario("busy_street")
    assert len(busy.sites) == 3 and sum(getattr(w, "count", 1) for w in busy.walkers) == 80
    dying = load_scenario("dying_battery")
    battery = next(b.battery for b in dying.sites[0].beacons if isinstance(b, EddystoneUidSpec))
    assert battery is not None and battery.dies_below_mv < 2500 < battery.start_mv
    assert dying.sites[0].agents
    spoofed = load_scenario("spoofed_ibeacon")
    assert {s.copy_of for s in spoofed.spoofs} == {"Sportverein Eintracht/0", "Sportverein Eintracht/1"}


def test_defaults_keep_a_scenario_short() -> None:
    scenario = parse_scenario(MINIMAL + '[[sites.beacons]]\nkind = "ibeacon"\n[[sites.agents]]\n')
    beacon = scenario.sites[0].beacons[0]
    assert isinstance(beacon, IBeaconSpec)
    assert beacon.position == (0.0, 0.0) and beacon.interval_ms == 500 and beacon.tx_power_1m == -59
    assert scenario.sites[0].agents[0].position == (0.0, 0.0)
    assert scenario.radio.path_loss_exponent == 2.2 and scenario.sites[0].timezone == "Europe/Berlin"
    assert beacon.major == 1 and beacon.minor == 1


def test_derived_ids_are_stable_and_distinct() -> None:
    text = MINIMAL + '[[sites.beacons]]\nkind = "eddystone-uid"\n[[sites.beacons]]\nkind = "eddystone-uid"\n'
    first, again = parse_scenario(text), parse_scenario(text)
    keys = [b.key for b in first.sites[0].beacons]
    assert keys == [b.key for b in again.sites[0].beacons]
    assert len(set(keys)) == 2
    other = parse_scenario(text.replace('name = "t"', 'name = "u"'))
    assert set(keys).isdisjoint(b.key for b in other.sites[0].beacons)


def test_given_ids_are_kept_and_allocate_leaves_them_to_the_backend() -> None:
    scenario = parse_scenario(
        MINIMAL
        + '[[sites.beacons]]\nkind = "ibeacon"\nuuid = "F7826DA6-4FA2-4E98-8024-BC5B71E0893E"\nmajor = 7\n'
        + '[[sites.beacons]]\nkind = "ibeacon"\nallocate = true\n'
    )
    given, allocated = scenario.sites[0].beacons
    assert given.key == "ibeacon:f7826da6-4fa2-4e98-8024-bc5b71e0893e:7:1"
    assert isinstance(allocated, IBeaconSpec) and allocated.key is None and allocated.uuid is None


def test_a_range_may_be_one_number() -> None:
    scenario = parse_scenario(MINIMAL + "[[walkers]]\ncount = 2\npath = [[0, 0], [9, 0]]\ndwell_s = 45\n")
    group = scenario.walkers[0]
    assert isinstance(group, WalkerGroup) and group.dwell_s == (45.0, 45.0)


def test_the_model_is_strict() -> None:
    with pytest.raises(ScenarioError, match=r"duration_s: must be a number \(got a string"):
        parse_scenario(MINIMAL.replace("60", '"60"'))
    with pytest.raises(ScenarioError, match="interval_ms: must be a whole number"):
        parse_scenario(MINIMAL + '[[sites.beacons]]\nkind = "ibeacon"\ninterval_ms = 150.5\n')
    # Built in Python, a scenario takes tuples as well as the lists TOML gives.
    built = Scenario.model_validate(
        {"name": "x", "duration_s": 1, "sites": [{"name": "A", "position": (1, 2)}]}
    )
    assert built.sites[0].position == (1.0, 2.0)


BROKEN = [
    (
        '[[sites.beacons]]\nkind = "ibeacon"\ninterval_ms = 20\n',
        "sites[0].beacons[0].interval_ms: must be at least 100 (got 20)",
    ),
    ('[[sites.beacons]]\nkind = "ibeacn"\n', "sites[0].beacons[0].kind: must be one of 'ibeacon'"),
    (
        '[[sites.beacons]]\nkind = "ibeacon"\nintervall_ms = 200\n',
        "sites[0].beacons[0].intervall_ms: is not a field here; did you mean 'interval_ms'?",
    ),
    ('timezone = "Mars/Olympus"\n', "sites[0].timezone: unknown time zone 'Mars/Olympus'"),
    (
        '[[sites.prompts]]\naction_url = "http://x.example"\n[sites.prompts.texts.de]\ntitle = "x"\n',
        "sites[0].prompts[0].action_url: must be an https:// address",
    ),
    (
        '[[sites.beacons]]\nkind = "ibeacon"\nallocate = true\nmajor = 3\n',
        "sites[0].beacons[0]: give either allocate = true or uuid/major/minor",
    ),
    (
        '[[sites.beacons]]\nkind = "eddystone-uid"\nnamespace = "abc"\n',
        "sites[0].beacons[0].namespace: must be 20 hex digits",
    ),
    (
        '[[sites.beacons]]\nkind = "eddystone-uid"\n[sites.beacons.battery]\nstart_mv = 2000\ndies_below_mv = 2500\n',
        "sites[0].beacons[0].battery: dies_below_mv (2500) must be below start_mv (2000)",
    ),
    (
        "[[walkers]]\ncount = 3\nstreet = {from = [0, 0], to = [1, 0]}\narrival_s = [100, 10]\n",
        "walkers[0].arrival_s: must be [low, high]",
    ),
    (
        '[[walkers]]\ncount = 3\nkind = "visitor"\nsite = "B"\npath = [[0, 0], [1, 0]]\n',
        "walkers[0].site: no site called 'B'",
    ),
    ('[[spoofs]]\ncopy_of = "A/0"\nposition = [1, 1]\n', "spoofs[0].copy_of: site 'A' has no beacon 0"),
    (
        "[[walkers]]\ncount = 3\nstreet = {from = [0, 0], to = [1, 0]}\nspeed_mps = [0, 1]\n",
        "walkers[0].speed_mps: must be between 0.2 and 10 m/s",
    ),
    ("[app]\nopened = 0.8\ndismissed = 0.5\n", "app: opened + dismissed must be at most 1"),
    ('[[sites]]\nname = "A"\nposition = [1, 1]\n', "sites[1].name: another site is called 'A'"),
    ("[radio]\npacket_loss = nan\n", "radio.packet_loss: must be a finite number"),
    ('kind = "bakery"\n', "sites[0].kind: must be one of 'hospice'"),
    ("[[sites.agents]]\nposition = [1, 2, 3]\n", "sites[0].agents[0].position: must be [x, y] in metres"),
]


@pytest.mark.parametrize(("extra", "expected"), BROKEN)
def test_a_broken_scenario_is_one_line_naming_file_and_field(
    tmp_path: Path, extra: str, expected: str
) -> None:
    path = tmp_path / "busy.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}"), message


def test_several_problems_are_counted_on_the_same_line() -> None:
    with pytest.raises(ScenarioError, match=r"^x.toml: duration_s: .* \(and 1 more problem\)$"):
        parse_scenario('name = "t"\nduration_s = -1\nsites = []\n', "x.toml")


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "t"\nduration_s = \n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.toml: not valid TOML: .*line 2"):
        load_scenario(path)


def test_missing_unreadable_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nowhere.toml: no such file \(bundled scenarios: .*busy_street"):
        load_scenario(tmp_path / "nowhere.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"name = \xff\n")
    with pytest.raises(ScenarioError, match=r"binary\.toml: not UTF-8"):
        load_scenario(binary)


# --- the reference and the schema ------------------------------------------------------------------

SIMULATOR = Path(__file__).resolve().parent.parent / "simulator"


def test_the_reference_page_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario-reference"]) == 0
    printed = capsys.readouterr().out
    assert printed == scenario_reference()
    assert (SIMULATOR / "SCENARIOS.md").read_text(encoding="utf-8") == printed, (
        "simulator/SCENARIOS.md is stale: nahbei-sim scenario-reference > simulator/SCENARIOS.md"
    )
    for section in ("`[radio]`", "`[[sites.prompts]]`", '`[[sites.beacons]] kind = "eddystone-eid"`'):
        assert f"## {section}" in printed
    assert "| `path_loss_exponent` | number | 2.2 | 1.5 to 6 |" in printed


def test_the_schema_file_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario-schema"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == scenario_schema()
    assert (SIMULATOR / "scenario.schema.json").read_text(encoding="utf-8") == printed, (
        "simulator/scenario.schema.json is stale: nahbei-sim scenario-schema > simulator/scenario.schema.json"
    )


def test_every_field_of_the_simulators_models_says_what_it_means() -> None:
    defs = scenario_schema()["$defs"]
    models = [(name, d) for name, d in defs.items() if "properties" in d] + [("Scenario", scenario_schema())]
    borrowed = {"PromptText", "ScheduleWindow"}  # the backend's models: meanings given in the reference
    missing = [
        f"{name}.{field}"
        for name, d in models
        if name not in borrowed
        for field, prop in d["properties"].items()
        if not prop.get("description")
    ]
    assert missing == []
    assert "| `title` | text | required | 1-120 characters | The prompt's title" in scenario_reference()


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_bundled_scenarios_validate_against_the_checked_in_schema(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SIMULATOR / "scenario.schema.json").read_text(encoding="utf-8"))
    data = tomllib.loads(bundled_scenarios()[name].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_the_schema_refuses_what_loading_refuses() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(scenario_schema())
    good = tomllib.loads(
        MINIMAL + "[[walkers]]\ncount = 3\ndwell_s = 60\nstreet = {from = [0, 0], to = [9, 0]}\n"
    )
    validator.validate(good)  # a range written as one number
    for bad in (
        MINIMAL + "colour = 1\n",
        MINIMAL.replace("60", "-1"),
        MINIMAL + "[radio]\npacket_loss = 2\n",
    ):
        assert not validator.is_valid(tomllib.loads(bad)), bad
        with pytest.raises(ScenarioError):
            parse_scenario(bad)
