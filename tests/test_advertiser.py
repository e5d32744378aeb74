"""The advertiser against the fake BlueZ, with the real dbus-fast: what reaches the air, and how it heals.

Every test exports a real `org.bluez.LEAdvertisement1` on a private bus and lets the fake bluetoothd
read and register it; the bytes are checked with the agent's own decoder. Nothing is mocked: BlueZ's
refusals come from the fake (by its rules, or injected as the field has them).
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from dbus_fast import Message

from beacon_agent import constants as c
from beacon_agent.advertiser import (
    Advertiser,
    AdvertiserState,
    AdvertiseUrl,
    BeaconClock,
    advertisement_data,
    eid_rotation_in,
)
from beacon_agent.bluez import LEAdvertisement, connect_system_bus, explain, quiet_lost_bus_writes
from beacon_agent.contract.eid import compute_eid
from beacon_agent.contract.frames import AltBeacon, EddystoneEid, EddystoneUid, EddystoneUrl, IBeacon, decode
from beacon_agent.contract.wire import (
    AdvertiseAltBeacon,
    AdvertiseEddystoneEid,
    AdvertiseEddystoneUid,
    AdvertiseIBeacon,
)
from simulator.bluez.advertising import RegisteredAdvertisement
from simulator.bluez.bus import SYSTEM_BUS_ENV, PrivateBus
from simulator.bluez.service import FakeBluez
from tests.bluez_fixtures import (  # noqa: F401  (the fixture_* functions are pytest fixtures)
    fixture_bluez_bus,
    fixture_fake_bluez,
    wait_until,
)
from tests.conftest import Clock

UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
IDENTITY_KEY = "e2c56db5dffb48d2b060d0f5a71096e0"
IBEACON = AdvertiseIBeacon(kind="ibeacon", uuid=UUID, major=7, minor=8, tx_power=-59)
UID = AdvertiseEddystoneUid(
    kind="eddystone-uid", namespace="00112233445566778899", instance="aabbccddeeff", tx_power=-59
)
EID = AdvertiseEddystoneEid(
    kind="eddystone-eid", identity_key=IDENTITY_KEY, rotation_exponent=2, beacon_time=1000, tx_power=-59
)
FAST = {"check_interval_s": 0.01, "retry_base_s": 0.05, "retry_cap_s": 0.2}


@pytest_asyncio.fixture(name="advertiser")
async def fixture_advertiser(
    fake_bluez: FakeBluez, bluez_bus: PrivateBus, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Advertiser]:
    monkeypatch.setenv(SYSTEM_BUS_ENV, bluez_bus.address)
    async with Advertiser("hci0", **FAST) as advertiser:  # type: ignore[arg-type]
        yield advertiser


def on_air(fake: FakeBluez) -> RegisteredAdvertisement:
    [registered] = fake.registered_advertisements
    return registered


def frames_of(adv: RegisteredAdvertisement) -> list[object]:
    return list(decode(adv.manufacturer_data, adv.service_data))


def frames_on_air(fake: FakeBluez) -> list[object]:
    """The frames of whatever is registered; [] between an unregistration and the next registration."""
    return [frame for adv in fake.registered_advertisements for frame in frames_of(adv)]


async def until_registered(advertiser: Advertiser, registrations: int) -> None:
    """BlueZ records a registration before it replies: wait for the advertiser to have the reply too."""
    await wait_until(
        lambda: advertiser.registrations == registrations and advertiser.state is AdvertiserState.ADVERTISING,
        what=f"registration {registrations}",
    )


# --- what goes on air ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instruction", "frame"),
    [
        (IBEACON, IBeacon(UUID, 7, 8, -59)),
        (
            AdvertiseAltBeacon(kind="altbeacon", id1=UUID, id2=1, id3=2, tx_power=-60),
            AltBeacon(0x0118, UUID, 1, 2, -60, 0),
        ),
        # Eddystone frames carry the power at 0 m: the wire's 1 m value plus 41 dB.
        (UID, EddystoneUid("00112233445566778899", "aabbccddeeff", -18)),
        (EID, EddystoneEid(compute_eid(bytes.fromhex(IDENTITY_KEY), 2, 1000).hex(), -18)),
    ],
    ids=["ibeacon", "altbeacon", "eddystone-uid", "eddystone-eid"],
)
async def test_instruction_is_registered_as_a_broadcast_with_the_right_bytes(
    advertiser: Advertiser,
    fake_bluez: FakeBluez,
    instruction: AdvertiseIBeacon,
    frame: IBeacon | AltBeacon | EddystoneUid | EddystoneEid,
) -> None:
    await advertiser.apply(instruction)
    registered = on_air(fake_bluez)
    assert registered.type == "broadcast"
    assert frames_of(registered) == [frame]
    if isinstance(frame, EddystoneUid | EddystoneEid):
        assert registered.service_uuids == ("0000feaa-0000-1000-8000-00805f9b34fb",)
    assert advertiser.state is AdvertiserState.ADVERTISING
    assert advertiser.diagnostics()["beacon"] == frame.key


async def test_the_sites_page_goes_on_air_as_eddystone_url_beside_the_beacon(
    advertiser: Advertiser, fake_bluez: FakeBluez
) -> None:
    """Two advertisements at once, as the agent runs them: BlueZ takes turns putting each on air."""
    page = "https://example.org/s/hospiz"
    await advertiser.apply(IBEACON)
    async with Advertiser("hci0", **FAST) as page_advertiser:  # type: ignore[arg-type]
        await page_advertiser.apply(AdvertiseUrl(page))
        assert sorted(map(repr, frames_on_air(fake_bluez))) == sorted(
            [repr(IBeacon(UUID, 7, 8, -59)), repr(EddystoneUrl(page, c.EDDYSTONE_URL_TX_POWER_0M))]
        )
        [url_frame] = [adv for adv in fake_bluez.registered_advertisements if adv.service_data]
        assert url_frame.service_uuids == ("0000feaa-0000-1000-8000-00805f9b34fb",)
        assert page_advertiser.diagnostics()["beacon"] == page
    assert frames_on_air(fake_bluez) == [IBeacon(UUID, 7, 8, -59)]


def test_a_page_address_too_long_for_a_frame_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="6 more than the 17"):
        advertisement_data(AdvertiseUrl("https://nahbei.example/s/hospiz"), 0)


def test_eddystone_uuids_are_given_to_bluez_in_their_16_bit_spelling() -> None:
    """BlueZ puts a UUID on air in the width of its string: the 128-bit form would be AD type 0x21."""
    data = advertisement_data(UID, 0)
    assert data.service_uuids == ("FEAA",)
    assert [uuid for uuid, _ in data.service_data] == ["FEAA"]
    assert advertisement_data(IBEACON, 0).service_data == ()


def test_beacon_clock_and_rotation_arithmetic() -> None:
    clock = BeaconClock(beacon_time=1000, at=50.0)
    assert clock.now(53.5) == 1003.5
    assert eid_rotation_in(1003.5, 2) == 0.5
    assert eid_rotation_in(1004, 2) == 4


async def test_eid_rotation_registers_the_next_eid(fake_bluez: FakeBluez, bluez_bus: PrivateBus) -> None:
    clock = Clock(start=5000.0)
    events: list[str] = []
    fake_bluez.add_advertisement_listener(lambda event, adv: events.append(event))
    key = bytes.fromhex(IDENTITY_KEY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SYSTEM_BUS_ENV, bluez_bus.address)
        async with Advertiser("hci0", clock, **FAST) as advertiser:  # type: ignore[arg-type]
            await advertiser.apply(EID)
            assert frames_of(on_air(fake_bluez)) == [EddystoneEid(compute_eid(key, 2, 1000).hex(), -18)]
            clock.advance(3.9)  # still in the period 1000..1003
            await asyncio.sleep(0.05)
            assert advertiser.registrations == 1
            clock.advance(0.2)
            await until_registered(advertiser, 2)
            assert frames_on_air(fake_bluez) == [EddystoneEid(compute_eid(key, 2, 1004).hex(), -18)]
            # A heartbeat repeating the instruction with the beacon clock counted on changes nothing ...
            await advertiser.apply(EID.model_copy(update={"beacon_time": 1004}))
            assert advertiser.registrations == 2
            # ... one that moves the clock by a period re-anchors it and rotates at once.
            await advertiser.apply(EID.model_copy(update={"beacon_time": 1008}))
            assert frames_of(on_air(fake_bluez)) == [EddystoneEid(compute_eid(key, 2, 1008).hex(), -18)]
    assert events == ["added", "removed", "added", "removed", "added", "removed"]


async def test_a_changed_instruction_replaces_and_none_unregisters(
    advertiser: Advertiser, fake_bluez: FakeBluez
) -> None:
    await advertiser.apply(IBEACON)
    await advertiser.apply(IBEACON)  # the same instruction again (every heartbeat): nothing happens
    assert advertiser.registrations == 1
    await advertiser.apply(UID)
    assert [type(f) for f in frames_of(on_air(fake_bluez))] == [EddystoneUid]
    await advertiser.apply(None)
    assert fake_bluez.registered_advertisements == []
    assert advertiser.state is AdvertiserState.IDLE
    await advertiser.apply(IBEACON)  # and it can start again
    assert frames_of(on_air(fake_bluez)) == [IBeacon(UUID, 7, 8, -59)]


# --- BlueZ's refusals: a state and one line saying what to do ---------------------------------------


@pytest.mark.parametrize(
    ("error", "text", "expected"),
    [
        ("org.bluez.Error.NotPermitted", "Maximum advertisements reached", "no free advertising slot"),
        ("org.bluez.Error.NotPermitted", "Not Permitted", "`bluetooth` group"),
        ("org.freedesktop.DBus.Error.UnknownMethod", "No such method", "this adapter cannot advertise"),
        ("org.bluez.Error.Failed", "Failed to parse advertisement.", "please report"),
    ],
)
async def test_refusals_give_a_state_and_a_clear_message_then_heal(
    advertiser: Advertiser, fake_bluez: FakeBluez, error: str, text: str, expected: str
) -> None:
    fake_bluez.faults.inject("RegisterAdvertisement", error, text)
    await advertiser.apply(IBEACON)
    assert advertiser.state is AdvertiserState.REFUSED
    assert advertiser.problem is not None and expected in advertiser.problem
    assert advertiser.diagnostics()["failures"] == 1
    # The fault was one-off: the retry (backoff) registers without anyone calling apply() again.
    await until_registered(advertiser, 1)
    assert len(fake_bluez.registered_advertisements) == 1


async def test_a_full_adapter_is_refused_by_the_fakes_own_rules(
    advertiser: Advertiser, fake_bluez: FakeBluez
) -> None:
    other = await connect_system_bus()  # another program holding all five advertising instances
    try:
        for i in range(5):
            other.export(f"/other/adv{i}", LEAdvertisement({0x0059: bytes([i])}, {}, [], lambda: None))
            await other.call(
                Message(
                    destination="org.bluez",
                    path="/org/bluez/hci0",
                    interface="org.bluez.LEAdvertisingManager1",
                    member="RegisterAdvertisement",
                    signature="oa{sv}",
                    body=[f"/other/adv{i}", {}],
                )
            )
        assert len(fake_bluez.registered_advertisements) == 5
        await advertiser.apply(IBEACON)
        assert advertiser.state is AdvertiserState.REFUSED
        assert advertiser.problem is not None and "Maximum advertisements reached" in advertiser.problem
    finally:
        other.disconnect()  # BlueZ drops a leaving client's advertisements: a slot frees up
    await until_registered(advertiser, 1)


async def test_an_unusable_instruction_is_refused_without_crashing(advertiser: Advertiser) -> None:
    await advertiser.apply(EID.model_copy(update={"identity_key": "abcd"}))
    assert advertiser.state is AdvertiserState.REFUSED
    assert advertiser.problem is not None and "identity key" in advertiser.problem


async def test_a_missing_adapter_is_named(fake_bluez: FakeBluez, bluez_bus: PrivateBus) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SYSTEM_BUS_ENV, bluez_bus.address)
        async with Advertiser("hci7", **FAST) as advertiser:  # type: ignore[arg-type]
            await advertiser.apply(IBEACON)
            assert advertiser.state is AdvertiserState.WAITING
            assert advertiser.problem is not None and "adapter hci7 not found" in advertiser.problem
    assert fake_bluez.registered_advertisements == []


def test_every_refusal_names_what_to_do() -> None:
    from beacon_agent.bluez import BluezError

    passes, line = explain(BluezError("org.bluez.Error.NotReady", "Resource Not Ready"), "hci0")
    assert passes and "bluetoothctl power on" in line
    passes, line = explain(BluezError("org.freedesktop.DBus.Error.ServiceUnknown", "x"), "hci0")
    assert passes and "systemctl status bluetooth" in line
    passes, line = explain(BluezError("org.freedesktop.DBus.Error.AccessDenied", "policy"), "hci0")
    assert not passes and "`bluetooth` group" in line


# --- power and bluetoothd restarts --------------------------------------------------------------------


async def test_powered_off_adapter_waits_then_advertises_at_power_on(
    advertiser: Advertiser, fake_bluez: FakeBluez
) -> None:
    fake_bluez.set_powered(False)
    await advertiser.apply(IBEACON)
    assert advertiser.state is AdvertiserState.WAITING
    assert advertiser.problem is not None and "powered off" in advertiser.problem
    assert fake_bluez.registered_advertisements == []
    fake_bluez.set_powered(True)
    await until_registered(advertiser, 1)
    assert len(fake_bluez.registered_advertisements) == 1


async def test_not_ready_from_bluez_is_waiting(advertiser: Advertiser, fake_bluez: FakeBluez) -> None:
    """BlueZ said NotReady although no power-off signal came (a race): waiting, retried, no crash."""
    fake_bluez.faults.inject("RegisterAdvertisement", "org.bluez.Error.NotReady", "Resource Not Ready")
    await advertiser.apply(IBEACON)
    assert advertiser.state is AdvertiserState.WAITING
    assert advertiser.problem is not None and "powered off" in advertiser.problem
    await until_registered(advertiser, 1)


async def test_power_cycle_re_registers(advertiser: Advertiser, fake_bluez: FakeBluez) -> None:
    await advertiser.apply(IBEACON)
    fake_bluez.set_powered(False)
    await wait_until(lambda: advertiser.state is AdvertiserState.WAITING, what="off air")
    fake_bluez.set_powered(True)
    await until_registered(advertiser, 2)
    assert frames_of(on_air(fake_bluez)) == [IBeacon(UUID, 7, 8, -59)]


@pytest.mark.parametrize("graceful", [True, False], ids=["sigterm", "crash"])
async def test_bluetoothd_restart_registers_again(
    advertiser: Advertiser, fake_bluez: FakeBluez, graceful: bool
) -> None:
    await advertiser.apply(UID)
    started = time.monotonic()
    await fake_bluez.restart(graceful=graceful)
    await wait_until(
        lambda: len(fake_bluez.registered_advertisements) == 1, what="registration after restart"
    )
    print(f"\nadvertiser back on air {time.monotonic() - started:.3f} s after a restart ({graceful=})")
    assert frames_of(on_air(fake_bluez)) == [EddystoneUid("00112233445566778899", "aabbccddeeff", -18)]
    assert advertiser.state is AdvertiserState.ADVERTISING
    assert advertiser.registrations == 2


async def test_bus_daemon_crash_registers_again_on_a_new_connection(
    advertiser: Advertiser, fake_bluez: FakeBluez, bluez_bus: PrivateBus
) -> None:
    """An iBeacon needs no timer: only the dropped connection can wake the advertiser."""
    await advertiser.apply(IBEACON)
    await asyncio.to_thread(bluez_bus.restart, 0.2, graceful=False)
    await fake_bluez.restart(graceful=False, downtime=0)  # bluetoothd dies with the bus, then returns
    await until_registered(advertiser, 2)
    assert frames_of(on_air(fake_bluez)) == [IBeacon(UUID, 7, 8, -59)]


def test_a_write_lost_with_the_bus_is_a_warning_and_anything_else_goes_to_asyncio() -> None:
    """`quiet_lost_bus_writes` (the agent's loop exception handler): an OSError raised in dbus-fast's
    code is the bus going away, not a crash; every other exception reaches asyncio's handler."""
    import dbus_fast.aio.message_bus

    # Raised from a function compiled under dbus-fast's file name, as its write callback raises it.
    code = compile(
        "def write():\n    raise OSError(9, 'Bad file descriptor')\n",
        dbus_fast.aio.message_bus.__file__,
        "exec",
    )
    namespace: dict[str, Any] = {}
    exec(code, namespace)

    def raised(write: Callable[[], None]) -> BaseException:
        try:
            write()
        except BaseException as exc:
            return exc
        raise AssertionError("did not raise")

    def ours() -> None:
        raise OSError(9, "Bad file descriptor")

    loop = asyncio.new_event_loop()
    passed_on: list[dict[str, Any]] = []
    loop.default_exception_handler = passed_on.append  # type: ignore[method-assign]
    try:
        lost = {"message": "Future exception was never retrieved", "exception": raised(namespace["write"])}
        quiet_lost_bus_writes(loop, lost)
        assert passed_on == []
        other = {"message": "Future exception was never retrieved", "exception": raised(ours)}
        quiet_lost_bus_writes(loop, other)
        no_exception = {"message": "something else"}
        quiet_lost_bus_writes(loop, no_exception)
        assert passed_on == [other, no_exception]
    finally:
        loop.close()
