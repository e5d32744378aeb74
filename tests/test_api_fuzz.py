"""Fuzzing the API from three sides.

(a) The request models: any JSON-like value or any bytes either validates or raises
    `pydantic.ValidationError`, never anything else (which would be a 500 at the HTTP layer).
(b) A live server: random and mutated bodies and queries for every operation are never answered 5xx,
    and every refusal is problem details.
(c) schemathesis against `/openapi.json` of the real `nahbei-backend serve`: every operation with
    valid and invalid input, and stateful sequences along the links it infers, checked for server
    errors and for conformance to the document (status codes, content types, response schemas and
    headers).

(b) and (c) run the real command line in a subprocess, seeded by `nahbei-backend demo --no-serve`,
each on its own database, with rate limiting off.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.accounts.records import AdminKeyIn
from backend.demo import DEMO_SITES
from backend.http.routes import OPERATIONS
from backend.models import (
    AgentIn,
    AgentPatch,
    BeaconImport,
    BeaconIn,
    BeaconPatch,
    DistanceModelIn,
    PromptIn,
    PromptPatch,
    SiteIn,
    SitePatch,
    StatsQuery,
)
from beacon_agent.contract.wire import (
    Heartbeat,
    LangQuery,
    NearbyQuery,
    PromptEvent,
    ResolveRequest,
    SightingBatch,
)
from tests.backend_process import REQUEST_TIMEOUT_S, DemoServer, serve_demo
from tests.conftest import SITE, STORES, prompt_body
from tests.postgres import PostgresCluster
from tests.reliability.figures import Figures, scaled

PROBLEM = "application/problem+json"

# --- (a) the request models ----------------------------------------------------------------------

MODELS: dict[str, Any] = {
    "ResolveRequest": ResolveRequest,
    "SightingBatch": SightingBatch,
    "Heartbeat": Heartbeat,
    "PromptEvent": PromptEvent,
    "NearbyQuery": NearbyQuery,
    "LangQuery": LangQuery,
    "SiteIn": SiteIn,
    "SitePatch": SitePatch,
    "BeaconIn": BeaconIn,
    "BeaconImport": BeaconImport,
    "BeaconPatch": BeaconPatch,
    "PromptIn": PromptIn,
    "PromptPatch": PromptPatch,
    "AgentIn": AgentIn,
    "AgentPatch": AgentPatch,
    "StatsQuery": StatsQuery,
    "DistanceModelIn": DistanceModelIn,
    "AdminKeyIn": AdminKeyIn,
}
ADAPTERS: dict[str, TypeAdapter[Any]] = {name: TypeAdapter(model) for name, model in MODELS.items()}


def test_every_request_model_of_the_api_is_fuzzed() -> None:
    # A new operation's models join the fuzzing here, or this fails.
    inputs = [kind for op in OPERATIONS for kind in (op.body, op.query) if kind is not None]
    assert all(any(kind is model for model in MODELS.values()) for kind in inputs), inputs


def _schema_words(schema: Any, names: set[str], values: set[str]) -> None:
    """Every property name and every enum or const string of a JSON schema, recursively."""
    if isinstance(schema, dict):
        names.update(schema.get("properties", {}))
        values.update(v for v in schema.get("enum", []) if isinstance(v, str))
        if isinstance(schema.get("const"), str):
            values.add(schema["const"])
        for child in schema.values():
            _schema_words(child, names, values)
    elif isinstance(schema, list):
        for child in schema:
            _schema_words(child, names, values)


def _words() -> tuple[list[str], list[str]]:
    names: set[str] = set()
    values: set[str] = set()
    for adapter in ADAPTERS.values():
        _schema_words(adapter.json_schema(), names, values)
    return sorted(names), sorted(values)


FIELD_NAMES, ENUM_VALUES = _words()
TRICKY_TEXT = [
    "",
    " ",
    "NaN",
    "Infinity",
    "-inf",
    "1e400",
    "-0",
    "0x10",
    "1_000",
    "\x00",
    "\ud800",
    "\udfff\ud800",
    "e2c56db5-dffb-48d2-b060-d0f5a71096e0",
    "ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:99999:0",
    "ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:65536:1",
    "eddystone-eid:0011223344556677",
    "eddystone-uid:6e61686265692d746166:000000000001",
    "2026-03-29T02:30:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "2026-01-01T00:00:00",
    "24:00",
    "23:60",
    "Europe/Berlin",
    "right/UTC",
    "localtime",
    "../../etc/passwd",
    "https://example.org/x",
    "javascript:alert(1)",
    "x" * 3000,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31),
    st.integers(),  # arbitrarily large
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**400, 0xFFFF, 0x10000, -128, 21]),
    st.floats(),  # NaN, infinities, subnormals, -0.0
    st.sampled_from([1e308, -1e308, 5e-324, 1e-7, 90.0000001, 50_000.000001]),
    st.text(max_size=30),
    st.sampled_from(FIELD_NAMES + ENUM_VALUES + TRICKY_TEXT),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(keys, children, max_size=8),
    ),
    max_leaves=40,
)
# What a JSON object of a request most often looks like: real field names, sometimes a stray one.
json_objects = st.dictionaries(keys, json_values, max_size=12)
query_values = st.dictionaries(
    keys, st.one_of(st.text(max_size=30), st.sampled_from(TRICKY_TEXT)), max_size=8
)

# `make reliability` (NAHBEI_RELIABILITY=full) fuzzes each property some ten times harder than `make test`.
MODEL_SETTINGS = settings(max_examples=int(scaled(300, 5000)), deadline=None, derandomize=True)


# Examples each property above ran, for the figures (test_the_model_fuzzing_ran_its_examples).
EXAMPLES_RUN: Counter[str] = Counter()


def _accepts_or_refuses(validate: Callable[[], Any]) -> Any:
    """The validated value, or None when refused with ValidationError; any other exception fails."""
    try:
        return validate()
    except ValidationError as exc:
        # The HTTP layer renders these errors; they must be renderable JSON, whatever the input was.
        json.dumps(exc.errors(include_url=False, include_context=False, include_input=False))
        return None


def _round_trips(adapter: TypeAdapter[Any], value: Any) -> None:
    """What is accepted can be written out and read back the same: nothing accepted is lost.

    Fields left out stay left out (`exclude_unset`): for a PATCH body, that is what it means.
    """
    again = adapter.validate_json(adapter.dump_json(value, exclude_unset=True))
    assert again == value


def _is_unicode(value: Any) -> bool:
    """False if a string in value holds a lone surrogate: no JSON body can carry one (see below)."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


@MODEL_SETTINGS
@given(value=st.one_of(json_values, json_objects))
def test_models_validate_python_values_or_refuse_them(value: Any) -> None:
    EXAMPLES_RUN["test_models_validate_python_values_or_refuse_them"] += 1
    for adapter in ADAPTERS.values():
        result = _accepts_or_refuses(partial(adapter.validate_python, value))
        if result is not None and _is_unicode(value):
            _round_trips(adapter, result)


@MODEL_SETTINGS
@given(value=st.one_of(json_values, json_objects))
def test_models_validate_json_text_or_refuse_it(value: Any) -> None:
    EXAMPLES_RUN["test_models_validate_json_text_or_refuse_it"] += 1
    text = json.dumps(value)  # NaN and Infinity as JavaScript writes them, lone surrogates escaped
    for adapter in ADAPTERS.values():
        result = _accepts_or_refuses(partial(adapter.validate_json, text))
        if result is not None:
            _round_trips(adapter, result)


def _mangle(text: bytes, cut: int, insert: bytes) -> bytes:
    at = cut % (len(text) + 1)
    return text[:at] + insert + text[at:]


@MODEL_SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=300),
        st.builds(
            _mangle,
            json_objects.map(lambda v: json.dumps(v).encode()),
            st.integers(min_value=0),
            st.one_of(st.binary(max_size=4), st.sampled_from([b"\xff", b"\xed\xa0\x80", b'"', b"{", b"\\u"])),
        ),
    )
)
def test_models_validate_any_bytes_or_refuse_them(raw: bytes) -> None:
    EXAMPLES_RUN["test_models_validate_any_bytes_or_refuse_them"] += 1
    for adapter in ADAPTERS.values():
        _accepts_or_refuses(partial(adapter.validate_json, raw))


@MODEL_SETTINGS
@given(query=query_values)
def test_query_models_take_any_strings(query: dict[str, str]) -> None:
    EXAMPLES_RUN["test_query_models_take_any_strings"] += 1
    # Query parameters arrive as text: numbers, dates and enums are parsed from it.
    for name in ("NearbyQuery", "LangQuery", "StatsQuery"):
        _accepts_or_refuses(partial(ADAPTERS[name].validate_python, query))


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_models_refuse_deep_nesting_without_recursion_errors(name: str) -> None:
    adapter = ADAPTERS[name]
    for opener, closer in (("[", "]"), ('{"a":', "}"), ('{"observations":', "}"), ('{"texts":', "}")):
        text = opener * 10_000 + "1" + closer * 10_000
        with pytest.raises(ValidationError, match="recursion limit"):
            adapter.validate_json(text)
    for key in ("texts", "observations", "sightings", "schedule", "telemetry", "x"):
        nested: Any = 1
        for _ in range(10_000):
            nested = {key: [nested]}
        # Refused, or accepted where the model ignores the key: never a RecursionError.
        _accepts_or_refuses(partial(adapter.validate_python, nested))


def test_the_model_fuzzing_ran_its_examples(figure: Figures) -> None:
    """How hard the request models were fuzzed: examples each property ran (hypothesis stops early
    only when it has tried everything a strategy can make, which these cannot reach)."""
    if not EXAMPLES_RUN:
        pytest.skip("run the whole module: the properties above count their examples")
    wanted = MODEL_SETTINGS.max_examples
    total = sum(EXAMPLES_RUN.values())
    figure(
        "hostile input",
        f"hypothesis on the {len(ADAPTERS)} request models: examples run (each against every model)",
        f"{total:,} over {len(EXAMPLES_RUN)} properties",
        f"{wanted:,} per property",
        min(EXAMPLES_RUN.values()) >= wanted,
    )
    assert all(count >= wanted for count in EXAMPLES_RUN.values()), EXAMPLES_RUN


def test_the_model_fuzzing_can_tell_a_valid_value() -> None:
    # The other side of the properties above: well-formed input is accepted and round-trips.
    good = {
        "SiteIn": SITE,
        "PromptIn": prompt_body(),
        "PromptEvent": {"type": "shown"},
        "BeaconIn": {
            "kind": "eddystone-uid",
            "namespace": "6E61686265692D746166",
            "instance": "000000000001",
        },
        "ResolveRequest": {"observations": [{"beacon": "eddystone-eid:0011223344556677", "rssi": -70}]},
    }
    for name, value in good.items():
        result = ADAPTERS[name].validate_python(value)
        _round_trips(ADAPTERS[name], result)
    assert ADAPTERS["BeaconIn"].validate_python(good["BeaconIn"]).namespace == "6e61686265692d746166"


# --- the real command line in a subprocess -------------------------------------------------------


# The real server on each store, as the `db` fixture gives the in-process backend.
@pytest.fixture(scope="module", params=STORES)
def fuzz_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    yield from serve_demo(tmp_path_factory.mktemp("fuzz"), postgres=_cluster(request))


@pytest.fixture(scope="module", params=STORES)
def schema_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    yield from serve_demo(tmp_path_factory.mktemp("schemathesis"), postgres=_cluster(request))


def _cluster(request: pytest.FixtureRequest) -> PostgresCluster | None:
    if request.param == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster


def _check_answer(response: requests.Response, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status} {response.text[:500]}"
    media = response.headers.get("Content-Type", "").split(";")[0]
    if status >= 400:
        assert media == PROBLEM, f"{what}: {status} {media}"
        doc = response.json()
        assert isinstance(doc["type"], str) and isinstance(doc["title"], str) and doc["status"] == status
        if status == 422:
            assert doc["errors"], doc
    elif status == 204:
        assert response.content == b""
    else:
        assert media == "application/json", f"{what}: {status} {media}"
        response.json()


# --- (b) random bodies and queries against a live server -----------------------------------------

# Two beacons of the demo: the sports club's iBeacon and the food bank's Eddystone-UID.
KNOWN_KEYS = [
    "ibeacon:e2c56db5-dffb-48d2-b060-d0f5a71096e0:1848:1",
    "eddystone-uid:6e61686265692d746166:000000000001",
]


def _valid_bodies() -> dict[str, Any]:
    at = "2026-01-01T12:00:00+00:00"
    sighting = {
        "beacon": KNOWN_KEYS[1],
        "first_seen": at,
        "last_seen": at,
        "count": 3,
        "rssi_max": -60,
        "rssi_mean": -65.5,
        "tx_power": -59,
        "telemetry": {
            "version": 0,
            "battery_mv": 2900,
            "temperature_c": 21.5,
            "adv_count": 10,
            "uptime_s": 5.0,
        },
    }
    return {
        "resolve": {
            "observations": [{"beacon": k, "rssi": -60, "tx_power": -59} for k in KNOWN_KEYS],
            "lang": "en",
        },
        "prompt_event": {"type": "shown"},
        "sightings": {"batch_id": str(uuid.UUID(int=1)), "sightings": [sighting]},
        "heartbeat": {
            "version": "1.0",
            "uptime_s": 1.0,
            "scanner": "scanning",
            "outbox_depth": 0,
            "dropped": 0,
        },
        "create_site": SITE,
        "update_site": {"name": "Hospiz", "address": "Am Rosental 1"},
        "create_beacon": {"kind": "ibeacon", "allocate": True, "label": "new"},
        # Allocated identities are always free: a key the fuzzing registered cannot make this one 409.
        "import_beacons": {
            "beacons": [
                {"kind": "ibeacon", "allocate": True, "label": "new"},
                {"kind": "ibeacon", "allocate": True},
            ]
        },
        "update_beacon": {"label": "door", "tx_power": -60, "status": "active"},
        "create_prompt": prompt_body(schedule=[{"days": ["mon"], "start": "09:00", "end": "17:00"}]),
        "update_prompt": {"priority": 5, "valid_until": "2030-01-01T00:00:00Z"},
        "create_agent": {"name": "Pi"},
        "update_agent": {"name": "Pi im Flur"},
        "set_distance_model": {"path_loss_exponent": 2.5},
        "create_key": {"name": "Import script"},
    }


VALID_BODIES = _valid_bodies()
BODY_OPERATIONS = [op for op in OPERATIONS if op.body is not None]
QUERY_OPERATIONS = [op for op in OPERATIONS if op.query is not None]
IDS = {
    "site_id": 1,
    "beacon_id": 1,
    "prompt_id": 1,
    "agent_id": 1,
    "key_id": 1,
}  # the demo's hospice and its parts


def test_every_body_operation_has_a_valid_body_to_mutate() -> None:
    assert sorted(VALID_BODIES) == sorted(op.name for op in BODY_OPERATIONS)
    demo_keys = {
        f"{b['kind']}:{b.get('uuid') or b.get('namespace')}:{b.get('major') or b.get('instance')}"
        + (f":{b['minor']}" if "minor" in b else "")
        for demo in DEMO_SITES
        for b in demo.beacons
    }
    assert set(KNOWN_KEYS) <= demo_keys


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _mutate(body: Any, choice: int, new: Any, how: str, extra_key: str) -> Any:
    """The body with one place changed: replaced by `new`, removed, or given an extra key."""
    body = json.loads(json.dumps(body))
    path = _paths(body)[choice % len(_paths(body))]
    if not path:
        return new if how == "set" else body
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "set":
        parent[last] = new
    elif how == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last][extra_key] = new
    return body


def _bodies(name: str) -> st.SearchStrategy[bytes]:
    mutated = st.builds(
        _mutate,
        st.just(VALID_BODIES[name]),
        st.integers(min_value=0),
        json_values,
        st.sampled_from(["set", "delete", "add"]),
        keys,
    )
    return st.one_of(
        mutated.map(lambda v: json.dumps(v).encode()),
        st.one_of(json_values, json_objects).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    )


FUZZ_SETTINGS = settings(
    max_examples=int(scaled(60, 600)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


# Table order: the app's and the agents' operations come before staff could revoke the agent.
@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=lambda op: op.name)
def test_random_bodies_never_break_the_server(
    fuzz_server: DemoServer, session: requests.Session, op: Any
) -> None:
    url = fuzz_server.url(op.path.format(**IDS))
    headers = {"Content-Type": "application/json", **fuzz_server.auth(op.access)}

    @FUZZ_SETTINGS
    @given(body=_bodies(op.name))
    def post(body: bytes) -> None:
        response = session.request(op.method, url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_S)
        _check_answer(response, f"{op.method} {op.path} {body[:200]!r}")

    post()
    # The unmutated body works: the fuzzing reached past validation, not only into it. (Not for
    # a prompt: the fuzzing may have moved its valid_from past the body's valid_until.)
    if op.name != "update_prompt":
        valid = json.dumps(VALID_BODIES[op.name]).encode()
        response = session.request(op.method, url, data=valid, headers=headers, timeout=REQUEST_TIMEOUT_S)
        assert response.status_code < 300, response.text
    assert fuzz_server.errors_logged() == []


@pytest.mark.parametrize("op", QUERY_OPERATIONS, ids=lambda op: op.name)
def test_random_queries_never_break_the_server(
    fuzz_server: DemoServer, session: requests.Session, op: Any
) -> None:
    url = fuzz_server.url(op.path.format(**IDS))
    headers = fuzz_server.auth(op.access)

    @FUZZ_SETTINGS
    @given(query=query_values)
    def get(query: dict[str, str]) -> None:
        # A lone surrogate goes out as its CESU-8 bytes: not UTF-8, as a hostile client may send it.
        text = urlencode(query, encoding="utf-8", errors="surrogatepass")
        response = session.get(f"{url}?{text}", headers=headers, timeout=REQUEST_TIMEOUT_S)
        _check_answer(response, f"GET {op.path} {query!r}")

    get()
    assert fuzz_server.errors_logged() == []


# --- (c) schemathesis against /openapi.json ------------------------------------------------------
#
# schemathesis' own pytest loader for a schema that needs a fixture (`schemathesis.pytest.from_fixture`)
# does not run under pytest 9 (it sets `request.node._nodeid`, which pytest 9 no longer has), so each
# operation is driven here with the public `APIOperation.as_strategy` and `@given`: the fuzzing phase of
# `schemathesis run`, in both its positive and negative modes, with a fixed derandomized seed.

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# (schemathesis leaves out the document it was loaded from, /openapi.json.)
SERVICE = [("GET", "/healthz", "service", False), ("GET", "/metrics", "service", False)]


def _order(item: tuple[str, str, str, bool]) -> tuple[int, int, int]:
    # Staff operations come after the app's and the agents' (they may revoke the demo agent's token or
    # change the demo's prompts), deletions last of all, and a site's beacons and prompts before sites.
    method, path, tag, _ = item
    return (tag == "admin", method == "DELETE", -path.count("{"))


SCHEMA_OPERATIONS = sorted(
    [(op.method, op.path, op.tag, bool(op.body or op.query or "{" in op.path)) for op in OPERATIONS]
    + SERVICE,
    key=_order,
)
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# Negative cases need something to make invalid: a body, a query or an id in the path.
SCHEMA_CASES = [
    (method, path, tag, mode)
    for method, path, tag, negatable in SCHEMA_OPERATIONS
    for mode in ([POSITIVE, NEGATIVE] if negatable else [POSITIVE])
]
# Ids drawn from the whole range name nothing; often the demo's own (sites 1-3, beacons 1-5, prompts 1-5,
# agents 1-3) instead, so that valid requests reach the handlers and their answers get checked.
SMALL_IDS = st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=6)), min_size=2, max_size=2)
SCHEMA_SETTINGS = settings(
    max_examples=int(scaled(30, 300)),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


class Answers:
    """The status of every answer schemathesis got, per operation of the document: what was covered."""

    def __init__(self) -> None:
        self.by_operation: dict[tuple[str, str], Counter[int]] = {}

    def note(self, case: Case[Any], status: int) -> None:
        key = (case.operation.method.upper(), case.operation.path)
        self.by_operation.setdefault(key, Counter())[status] += 1

    def total(self, statuses: range = range(600)) -> int:
        return sum(n for counts in self.by_operation.values() for s, n in counts.items() if s in statuses)


@pytest.fixture(scope="module")
def answers() -> Answers:
    return Answers()


@pytest.fixture(scope="module")
def api_schema(schema_server: DemoServer) -> Any:
    return schemathesis.openapi.from_url(schema_server.url("/openapi.json"), timeout=REQUEST_TIMEOUT_S)


def test_the_document_names_every_operation(api_schema: Any) -> None:
    loaded = {(result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()}
    assert loaded == {(method, path) for method, path, _, _ in SCHEMA_OPERATIONS}


def _call(case: Case[Any], server: DemoServer, session: requests.Session, answers: Answers) -> None:
    access = (case.operation.tags or ["app"])[0]
    response = case.call(session=session, headers=server.auth(access), timeout=REQUEST_TIMEOUT_S)
    answers.note(case, response.status_code)
    case.validate_response(response, checks=CHECKS)
    if access in ("admin", "agent"):
        # Without a token the answer is a documented 401 whatever else is wrong with the request,
        # unless the path names no route at all (an id that is not a number).
        response = case.call(session=session, headers={"Authorization": ""}, timeout=REQUEST_TIMEOUT_S)
        ids = (case.path_parameters or {}).values()
        routed = all(re.fullmatch(r"\d{1,18}", str(value)) for value in ids)
        answers.note(case, response.status_code)
        assert response.status_code == (401 if routed else 404), response.text
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path", "tag", "mode"),
    SCHEMA_CASES,
    ids=[f"{m} {p} {mode.value}" for m, p, _, mode in SCHEMA_CASES],
)
def test_every_operation_keeps_to_the_document(
    api_schema: Any,
    schema_server: DemoServer,
    session: requests.Session,
    answers: Answers,
    method: str,
    path: str,
    tag: str,
    mode: schemathesis.GenerationMode,
) -> None:
    operation = api_schema[path][method]
    assert operation.tags == [tag]

    @SCHEMA_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode), small_ids=SMALL_IDS)
    def run(case: Case[Any], small_ids: list[int | None]) -> None:
        if mode is POSITIVE:
            for name, small in zip(sorted(case.path_parameters or {}), small_ids, strict=False):
                if small is not None:
                    case.path_parameters[name] = small
        _call(case, schema_server, session, answers)

    run()


def test_stateful_sequences_keep_to_the_document(
    api_schema: Any, schema_server: DemoServer, answers: Answers
) -> None:
    """Sequences that follow the links schemathesis infers from the document (an `id` from creating a
    site into the paths of its beacons, prompts and agents, and so on), checked the same way."""
    workflow = api_schema.as_state_machine()
    assert api_schema.statistic.transitions.total > 0, "no links inferred: nothing to test statefully"

    class Staff(workflow):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            schema_server.reset()  # each sequence from the seeded data, so replaying one repeats it

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            access = (case.operation.tags or ["app"])[0]
            return {"headers": schema_server.auth(access), "timeout": REQUEST_TIMEOUT_S}

        def validate_response(self, response: Any, case: Case[Any], *_: Any, **kwargs: Any) -> None:
            answers.note(case, response.status_code)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Staff.run(
        settings=settings(
            # Each sequence starts from a restarted server (~1 s): fewer, longer sequences.
            max_examples=int(scaled(25, 150)),
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_nothing_was_logged_as_an_unhandled_error(schema_server: DemoServer) -> None:
    assert requests.get(schema_server.url("/healthz"), timeout=REQUEST_TIMEOUT_S).status_code == 200
    assert schema_server.errors_logged() == []


def test_schemathesis_covered_every_operation_without_a_server_error(
    api_schema: Any, answers: Answers, figure: Figures
) -> None:
    """Counted from every answer the schemathesis tests above got: each operation of /openapi.json was
    called (and its answers checked against the document), and none answered 5xx."""
    if not answers.by_operation:
        pytest.skip("run the whole module: the schemathesis tests above count their answers")
    documented = {
        (result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()
    }
    covered = set(answers.by_operation) & documented
    served = {op for op, counts in answers.by_operation.items() if any(200 <= s < 300 for s in counts)}
    errors = answers.total(range(500, 600))
    figure(
        "hostile input",
        "schemathesis: operations of /openapi.json exercised (positive, negative, stateful)",
        f"{len(covered)} of {len(documented)}",
        "all",
        covered == documented,
    )
    figure(
        "hostile input",
        "schemathesis: operations answered 2xx at least once (fuzzing got past validation)",
        f"{len(served & documented)} of {len(documented)}",
        "all",
        served >= documented,
    )
    figure(
        "hostile input",
        "schemathesis: 5xx answers (every answer checked against the document)",
        f"{errors} of {answers.total():,}",
        "0",
        errors == 0,
    )
    assert covered == documented, documented - covered
    assert errors == 0
