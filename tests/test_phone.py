"""The companion app: the pure state machine driven by receptions and answers on a moved clock,
and one walk past a site against a real backend on 127.0.0.1."""

from __future__ import annotations

import random
from typing import Any

from beacon_agent.contract.frame_types import EDDYSTONE_UUID
from beacon_agent.contract.frames import encode_eddystone_eid, encode_eddystone_uid, encode_ibeacon
from beacon_agent.contract.wire import (
    PromptEventType,
    PromptKind,
    PromptView,
    Region,
    SitesAnswer,
    SiteView,
    SiteWithPrompts,
)
from simulator.app_client import AppClient, drive
from simulator.phone import AppConfig, CompanionApp
from tests.conftest import SITE, Backend, prompt_body

OURS = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
FOREIGN = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"
NAMESPACE = "00112233445566778899"
REGIONS = [Region(kind="ibeacon", id=OURS), Region(kind="eddystone-uid", id=NAMESPACE)]
TX = -59  # measured power at 1 m
AT_5_M, AT_50_M = -73, -93  # TX - 20 log10(d), the backend's model with n = 2


def key(minor: int, uuid: str = OURS) -> str:
    return f"ibeacon:{uuid}:1:{minor}"


def site_view(site_id: int) -> SiteView:
    return SiteView(
        id=site_id,
        name=f"Site {site_id}",
        kind="hospice",
        lat=52.52,
        lon=13.405,
        address="Parkweg 1",
        timezone="Europe/Berlin",
        default_lang="de",
        slug=f"site-{site_id}",
    )


def prompt(
    prompt_id: int, site_id: int = 1, cooldown_s: int = 60, max_distance_m: float | None = 20.0
) -> PromptView:
    return PromptView(
        id=prompt_id,
        kind=PromptKind.VOLUNTEER,
        title=f"Prompt {prompt_id}",
        body="",
        action=None,
        lang="de",
        cooldown_s=cooldown_s,
        max_distance_m=max_distance_m,
        valid_until=None,
        site_id=site_id,
    )


def answer(*sites: tuple[int, float | None, list[PromptView]]) -> SitesAnswer:
    return SitesAnswer(
        sites=[SiteWithPrompts(site=site_view(s), distance_m=d, prompts=ps) for s, d, ps in sites]
    )


def app(seed: int = 1, **config: Any) -> CompanionApp:
    phone = CompanionApp(AppConfig(**config), random.Random(seed))
    phone.set_regions(REGIONS)
    return phone


def hear(phone: CompanionApp, start: float, end: float, rssi: int = AT_5_M, *minors: int) -> None:
    """One reception a second of each beacon (minor 1 if none named) from ``start`` to ``end``."""
    t = start
    while t <= end:
        for minor in minors or (1,):
            phone.hear(key(minor), rssi, TX, t)
        t += 1.0


def resolve_and_answer(phone: CompanionApp, now: float, reply: SitesAnswer) -> list[Any]:
    assert phone.due_resolve(now) is not None
    return phone.on_answer(reply, now)


# --- scan filter ---------------------------------------------------------------------------------


def test_scan_filter_drops_beacons_outside_the_regions() -> None:
    phone = CompanionApp(AppConfig(), random.Random(1))
    assert not phone.hear(key(1), -60, TX, 0.0)  # no regions yet: the OS hears nothing
    phone.set_regions(REGIONS)
    assert phone.hear(key(1), -60, TX, 0.0)
    assert not phone.hear(key(1, FOREIGN), -60, TX, 0.0)
    assert not phone.hear(f"altbeacon:{OURS}:1:1", -60, TX, 0.0)  # the kind matters too
    assert phone.hear(f"eddystone-uid:{NAMESPACE}:aabbccddeeff", -60, TX, 0.0)
    assert not phone.hear(f"eddystone-uid:{'ff' * 10}:aabbccddeeff", -60, TX, 0.0)
    assert not phone.hear("eddystone-eid:0011223344556677", -60, TX, 0.0)
    assert not phone.hear("not a key", -60, TX, 0.0)
    phone.set_regions([*REGIONS, Region(kind="eddystone-eid", id="")])
    assert phone.hear("eddystone-eid:0011223344556677", -60, TX, 0.0)
    assert (phone.stats.heard, phone.stats.filtered) == (3, 6)


def test_advertisements_are_decoded_and_eddystone_power_moved_to_1_m() -> None:
    phone = app()
    ours, foreign = encode_ibeacon(OURS, 1, 1, TX), encode_ibeacon(FOREIGN, 1, 1, TX)
    uid = encode_eddystone_uid(NAMESPACE, "aabbccddeeff", -18)  # 0 m power: -59 at 1 m
    for t in (0.0, 1.0, 2.0):
        assert phone.hear_advertisement({ours[0]: ours[1]}, {}, -70, t) == 1
        assert phone.hear_advertisement({foreign[0]: foreign[1]}, {}, -50, t) == 0
        assert phone.hear_advertisement({}, {EDDYSTONE_UUID: uid}, -80, t) == 1
        assert (
            phone.hear_advertisement({}, {EDDYSTONE_UUID: encode_eddystone_eid(bytes(8), -18)}, -80, t) == 0
        )
        assert phone.hear_advertisement({76: b"\x01\x02"}, {}, -40, t) == 0  # not a beacon
    request = phone.due_resolve(2.0)
    assert request is not None and request.lang == "de"
    seen = [(o.beacon, o.rssi, o.tx_power) for o in request.observations]
    assert seen == [(key(1), -70, TX), (f"eddystone-uid:{NAMESPACE}:aabbccddeeff", -80, TX)]


def test_ios_monitors_at_most_20_ibeacon_regions() -> None:
    phone = CompanionApp(AppConfig(), random.Random(1))
    uuids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(25)]
    phone.set_regions(
        [Region(kind="ibeacon", id=u) for u in uuids] + [Region(kind="eddystone-uid", id=NAMESPACE)]
    )
    assert phone.stats.regions_unmonitored == 5
    assert phone.hear(key(1, uuids[19]), -60, TX, 0.0) and not phone.hear(key(1, uuids[20]), -60, TX, 0.0)
    assert phone.hear(f"eddystone-uid:{NAMESPACE}:aabbccddeeff", -60, TX, 0.0)


# --- debounce, forgetting, smoothing -------------------------------------------------------------


def test_a_single_reception_never_counts() -> None:
    phone = app()
    phone.hear(key(1), -60, TX, 0.0)
    assert all(phone.due_resolve(t) is None for t in (0.0, 2.0, 5.0, 9.9))


def test_two_receptions_count_once_the_debounce_has_passed() -> None:
    phone = app()
    phone.hear(key(1), -60, TX, 0.0)
    phone.hear(key(1), -60, TX, 0.5)
    assert phone.due_resolve(1.9) is None
    request = phone.due_resolve(2.0)
    assert request is not None and [o.beacon for o in request.observations] == [key(1)]


def test_silence_forgets_a_beacon_and_it_is_debounced_again() -> None:
    phone = app()
    hear(phone, 0.0, 3.0)
    assert resolve_and_answer(phone, 3.0, answer((1, 5.0, [prompt(1, cooldown_s=3600)]))) != []
    # 10 s of silence: forgotten; nothing counts, so nothing is asked and nothing is shown.
    assert phone.due_resolve(13.5) is None and phone.due_displays(200.0) == []
    phone.hear(key(1), AT_5_M, TX, 200.0)
    assert phone.due_resolve(205.0) is None  # one reception after the gap is a new streak
    phone.hear(key(1), AT_5_M, TX, 205.0)
    assert phone.due_resolve(205.0) is not None


def test_rssi_is_smoothed_and_rounded() -> None:
    phone = app()
    phone.hear(key(1), -60, TX, 0.0)
    phone.hear(key(1), -61, TX, 1.0)
    phone.hear(key(1), -90, TX, 2.0)  # one deep fade: the median of the last three leaves it out
    phone.hear(key(1), -50, TX, 3.0)  # and one lucky reading
    request = phone.due_resolve(3.0)
    assert request is not None
    [observation] = request.observations
    assert observation.rssi is not None and -62 <= observation.rssi <= -60


def smoothed(phone: CompanionApp, now: float) -> int:
    request = phone.due_resolve(now)
    assert request is not None and request.observations[0].rssi is not None
    return request.observations[0].rssi


def test_rssi_rises_fast_on_approach_and_falls_slowly_on_departure() -> None:
    """Fast attack, slow release: 3 s after a 20 dB step up most of it shows, after a step down little."""
    up, down = app(), app()
    hear(up, 0.0, 10.0, -90)
    hear(up, 10.5, 13.5, -70)
    hear(down, 0.0, 10.0, -70)
    hear(down, 10.5, 13.5, -90)
    assert smoothed(up, 13.5) >= -74  # within 4 dB of the new level
    assert smoothed(down, 13.5) >= -78  # not yet halfway to it


# --- when the app asks ---------------------------------------------------------------------------


def test_coming_nearer_asks_again_before_the_interval_and_standing_still_does_not() -> None:
    phone = app(open_probability=1.0, open_delay_s=(0.5, 0.5))
    hear(phone, 0.0, 2.0, AT_50_M)
    resolve_and_answer(phone, 2.0, answer((1, 50.0, [])))  # too far for the site's prompt
    hear(phone, 3.0, 6.0, AT_50_M)
    assert phone.due_resolve(6.0) is None  # the same signal: nothing new to ask
    hear(phone, 7.0, 9.0, AT_50_M + 5)  # 5 dB stronger: almost half as far
    request = phone.due_resolve(9.0)
    assert request is not None and request.observations[0].rssi is not None
    assert request.observations[0].rssi >= AT_50_M + 3
    phone.on_answer(answer((1, 35.0, [])), 9.2)
    hear(phone, 10.0, 11.0, AT_5_M)
    assert phone.due_resolve(11.0) is not None
    phone.on_answer(answer((1, 5.0, [prompt(1, cooldown_s=3600)])), 11.2)
    assert phone.showing is not None
    hear(phone, 12.0, 15.0, AT_5_M + 6)  # nearer still, but the user is reading a prompt: no need to ask
    assert phone.due_resolve(15.0) is None
    stander = app()
    hear(stander, 0.0, 2.0)
    resolve_and_answer(stander, 2.0, answer())
    hear(stander, 3.0, 16.0)
    assert stander.due_resolve(16.0) is None  # 14 s: the interval is 15 s
    assert stander.due_resolve(17.0) is not None


def test_a_prompt_leaving_the_screen_asks_again_for_what_fits_now() -> None:
    phone = app(open_probability=0.0, dismiss_delay_s=(5.0, 5.0))
    hear(phone, 0.0, 2.0)
    assert resolve_and_answer(phone, 2.0, answer((1, 5.0, [prompt(1, cooldown_s=3600)]))) != []
    hear(phone, 3.0, 8.0)
    assert phone.due_resolve(6.0) is None and phone.due_displays(7.0) == []  # dismissed at 7
    assert phone.due_resolve(7.1) is not None  # the answer is 5 s old, but the screen is free


def test_asks_when_the_set_changes_or_the_answer_is_old_and_uses_the_cache() -> None:
    phone = app()
    hear(phone, 0.0, 2.0)
    resolve_and_answer(phone, 2.0, answer())
    hear(phone, 3.0, 9.0)
    assert phone.due_resolve(9.0) is None  # same set, answer 7 s old
    hear(phone, 10.0, 12.0, AT_5_M, 1, 2)  # beacon 2 counts at 12
    request = phone.due_resolve(12.0)
    assert request is not None and {o.beacon for o in request.observations} == {key(1), key(2)}
    assert phone.due_resolve(12.5) is None  # one request at a time
    phone.on_answer(answer(), 12.5)
    hear(phone, 13.0, 22.0)  # beacon 2 silent from 12, forgotten at 22.x: back to {1}, answered 20 s ago
    assert phone.due_resolve(22.5) is None and phone.stats.cache_hits == 1
    assert phone.due_resolve(23.0) is not None  # the cached answer is from 2.0: refresh
    assert (phone.stats.resolves, phone.stats.answers) == (3, 2)


def test_rate_limit_and_errors_pause_asking() -> None:
    phone = app()
    hear(phone, 0.0, 30.0)
    assert phone.due_resolve(2.0) is not None
    phone.on_rate_limited(7.0, 2.0)
    assert phone.due_resolve(8.9) is None and phone.due_resolve(9.0) is not None
    phone.on_error(9.0)
    assert phone.due_resolve(9.0) is None
    assert phone.due_resolve(11.0) is not None  # first backoff is below 2 s
    assert (phone.stats.rate_limited, phone.stats.errors, phone.stats.resolves) == (1, 1, 3)


# --- what is shown -------------------------------------------------------------------------------


def test_cooldown_per_prompt_survives_other_sites() -> None:
    phone = app(open_probability=0.0, dismiss_delay_s=(5.0, 5.0))
    here = answer((1, 5.0, [prompt(1, cooldown_s=60)]))
    hear(phone, 0.0, 2.0)
    [display] = resolve_and_answer(phone, 2.0, here)
    assert display.prompt.id == 1 and display.until == 7.0
    # The walker goes to site 2 and comes back; prompt 1 stays quiet until 62.
    hear(phone, 3.0, 61.0)
    assert phone.on_answer(answer((2, 5.0, [prompt(2, site_id=2)])), 20.0)[0].prompt.id == 2
    for t in (30.0, 40.0, 50.0, 61.0):
        assert phone.on_answer(here, t) == [], t
    hear(phone, 62.0, 62.0)
    assert [d.prompt.id for d in phone.on_answer(here, 62.0)] == [1]
    assert [(s.prompt_id, s.site_id, s.at) for s in phone.shown] == [(1, 1, 2.0), (2, 2, 20.0), (1, 1, 62.0)]


def test_distance_check_stretches_the_answer_by_how_far_the_walker_has_gone_since() -> None:
    phone = app()
    hear(phone, 0.0, 2.0, AT_5_M)
    assert phone.due_resolve(2.0) is not None
    hear(phone, 3.0, 14.0, AT_50_M)  # the answer is slow to come; meanwhile the walker walked off
    # The answer says 5 m, as asked for at 2 s; the beacon has fallen by 20 dB since: about 50 m.
    assert phone.on_answer(answer((1, 5.0, [prompt(1)])), 14.0) == []
    # The answer's own distance counts: 30 m is beyond 20 m however strong the beacon is now.
    hear(phone, 15.0, 40.0, AT_5_M)
    assert phone.due_resolve(40.0) is not None
    assert phone.on_answer(answer((1, 30.0, [prompt(1)])), 40.0) == []
    hear(phone, 41.0, 55.0, AT_5_M)
    assert phone.due_resolve(55.0) is not None
    [display] = phone.on_answer(answer((1, 5.0, [prompt(1), prompt(2, max_distance_m=None)])), 55.0)
    assert display.prompt.id == 1 and display.distance_m is not None and 4.9 < display.distance_m < 5.1
    assert phone.shown[0].distance_m_estimated == display.distance_m


def test_a_prompt_without_distance_limit_shows_at_any_distance() -> None:
    phone = app()
    hear(phone, 0.0, 2.0, AT_50_M)
    [display] = resolve_and_answer(phone, 2.0, answer((1, 50.0, [prompt(1, max_distance_m=None)])))
    assert display.prompt.id == 1


def test_one_prompt_at_a_time_nearest_site_first() -> None:
    phone = app(open_probability=0.0, dismiss_delay_s=(10.0, 10.0))
    hear(phone, 0.0, 30.0, AT_5_M, 1, 2)
    both = answer((2, 4.0, [prompt(3, site_id=2)]), (1, 6.0, [prompt(1), prompt(2)]))
    assert [d.prompt.id for d in resolve_and_answer(phone, 2.0, both)] == [3]
    assert phone.showing is not None and phone.showing.prompt.id == 3
    assert phone.on_answer(both, 5.0) == [] and phone.due_displays(11.9) == []
    # Prompt 3 left the screen at 12: the next best one, then the next.
    assert [d.prompt.id for d in phone.due_displays(12.0)] == [1]
    assert [d.prompt.id for d in phone.due_displays(22.0)] == [2]
    assert phone.due_displays(32.0) == [] and phone.showing is None


def test_an_unread_prompt_for_a_place_left_behind_gives_way_to_the_place_the_walker_is_at() -> None:
    phone = app(open_probability=0.0, dismiss_delay_s=(30.0, 30.0))
    hear(phone, 0.0, 40.0, AT_5_M, 1, 2)
    [first] = resolve_and_answer(phone, 2.0, answer((1, 8.0, [prompt(1)]), (2, 40.0, [prompt(2, site_id=2)])))
    assert first.prompt.id == 1 and phone.due_events(2.0) == [(1, PromptEventType.SHOWN)]
    # Still near site 1: its prompt stays, though site 2's would fit as well.
    assert phone.on_answer(answer((2, 10.0, [prompt(2, site_id=2)]), (1, 15.0, [prompt(1)])), 6.0) == []
    # Walked on: site 1 is beyond its prompt's 20 m, site 2 near; the unread prompt gives way.
    [second] = phone.on_answer(answer((2, 6.0, [prompt(2, site_id=2)]), (1, 30.0, [prompt(1)])), 12.0)
    assert second.prompt.id == 2 and phone.stats.withdrawn == 1
    # What the user would have done with prompt 1 is void: no dismissal of it is reported.
    assert phone.due_events(100.0) == [(2, PromptEventType.SHOWN), (2, PromptEventType.DISMISSED)]
    # Walking away is no moment for the same site's other prompt, though its 40 m would allow it.
    leaving = app(open_probability=0.0, dismiss_delay_s=(30.0, 30.0))
    hear(leaving, 0.0, 40.0, AT_5_M)
    resolve_and_answer(leaving, 2.0, answer((1, 8.0, [prompt(1), prompt(4, max_distance_m=40.0)])))
    assert leaving.on_answer(answer((1, 30.0, [prompt(1), prompt(4, max_distance_m=40.0)])), 12.0) == []


def test_an_opened_prompt_is_never_taken_away() -> None:
    phone = app(
        open_probability=1.0, open_delay_s=(1.0, 1.0), act_probability=0.0, dismiss_delay_s=(30.0, 30.0)
    )
    hear(phone, 0.0, 2.0, AT_5_M, 1, 2)
    resolve_and_answer(phone, 2.0, answer((1, 8.0, [prompt(1)])))
    hear(phone, 3.0, 12.0, AT_5_M + 6, 1, 2)
    assert phone.due_resolve(12.0) is None  # nearer, but the user reads it: asking would only cost battery
    assert phone.on_answer(answer((2, 6.0, [prompt(2, site_id=2)]), (1, 30.0, [prompt(1)])), 12.0) == []
    assert phone.showing is not None and phone.showing.prompt.id == 1 and phone.stats.withdrawn == 0


def test_nothing_shows_from_an_answer_older_than_the_cache_ttl() -> None:
    for now, expected in ((31.9, [1]), (32.0, [])):
        phone = app(open_probability=0.0, dismiss_delay_s=(5.0, 5.0))
        hear(phone, 0.0, 40.0)
        resolve_and_answer(phone, 2.0, answer((1, 5.0, [prompt(1, cooldown_s=0)])))
        phone.on_error(2.5)  # no refresh arrives: the backend is gone
        assert [d.prompt.id for d in phone.due_displays(now)] == expected, now


# --- events --------------------------------------------------------------------------------------


def show_many(phone: CompanionApp, count: int) -> list[tuple[float, int, PromptEventType]]:
    """Show ``count`` different prompts one after the other; every event with the time it came due."""
    hear(phone, 0.0, 2.0)
    phone.due_resolve(2.0)
    events: list[tuple[float, int, PromptEventType]] = []
    t = 2.0
    for prompt_id in range(1, count + 1):
        phone.hear(key(1), AT_5_M, TX, t - 2.0)  # two receptions: counts even after a long gap
        phone.hear(key(1), AT_5_M, TX, t)
        phone.on_answer(answer((1, 5.0, [prompt(prompt_id)])), t)
        assert phone.showing is not None
        t = phone.showing.until
        events += [(t, p, e) for p, e in phone.due_events(t)]
    return events


def test_events_follow_shown_opened_acted_or_dismissed() -> None:
    opened_acted = show_many(app(open_probability=1.0, act_probability=1.0), 1)
    assert [e for _, _, e in opened_acted] == ["shown", "opened", "acted"]
    phone = app(open_probability=1.0, act_probability=0.0)
    phone.hear(key(1), AT_5_M, TX, 0.0)
    phone.hear(key(1), AT_5_M, TX, 2.0)
    phone.on_answer(answer((1, 5.0, [prompt(7)])), 2.0)
    assert phone.due_events(2.0) == [(7, PromptEventType.SHOWN)]
    assert phone.due_events(3.9) == []  # opening takes at least 2 s
    assert phone.due_events(100.0) == [(7, PromptEventType.OPENED), (7, PromptEventType.DISMISSED)]
    ignored = show_many(app(open_probability=0.0), 1)
    assert [e for _, _, e in ignored] == ["shown", "dismissed"]


def test_events_are_drawn_from_the_seeded_rng() -> None:
    first, again, other = (show_many(app(seed), 400) for seed in (7, 7, 8))
    assert first == again and first != other
    counts = {t: sum(1 for _, _, e in first if e == t) for t in PromptEventType}
    assert counts[PromptEventType.SHOWN] == 400
    assert 0.24 < counts[PromptEventType.OPENED] / 400 < 0.36  # open_probability 0.3
    assert 0.15 < counts[PromptEventType.ACTED] / counts[PromptEventType.OPENED] < 0.45  # act 0.3
    assert counts[PromptEventType.ACTED] + counts[PromptEventType.DISMISSED] == 400


# --- against the real backend --------------------------------------------------------------------


async def test_walk_past_a_site_with_the_real_backend(backend: Backend) -> None:
    site = await backend.json("POST", "/v1/admin/sites", 201, json=SITE)
    beacon = {"kind": "ibeacon", "uuid": OURS, "major": 1, "minor": 1, "tx_power": TX}
    await backend.json("POST", f"/v1/admin/sites/{site['id']}/beacons", 201, json=beacon)
    created = await backend.json(
        "POST",
        f"/v1/admin/sites/{site['id']}/prompts",
        201,
        json=prompt_body(max_distance_m=20, cooldown_s=60),
    )
    phone = CompanionApp(AppConfig(lang="en"), random.Random(3))
    ours, foreign = encode_ibeacon(OURS, 1, 1, TX), encode_ibeacon(FOREIGN, 1, 1, TX)
    start = backend.clock.now

    async def walk(seconds: int, rssi: int | None) -> list[Any]:
        """A second at a time: the phone hears the beacons (unless silent) and does what is due."""
        shown = []
        for _ in range(seconds):
            backend.clock.advance(1.0)
            now = backend.clock.now
            if rssi is not None:
                phone.hear_advertisement({ours[0]: ours[1]}, {}, rssi, now)
                phone.hear_advertisement({foreign[0]: foreign[1]}, {}, rssi, now)
            shown += await drive(phone, client, now)
        return shown

    async with AppClient(str(backend.client.make_url("/"))) as client:
        # At 5 m: resolved and shown once, in the phone's language.
        [display] = await walk(10, AT_5_M)
        assert display.prompt.id == created["id"] and display.prompt.title == "Help us"
        assert (
            4.5 < (display.distance_m or 0) < 5.5 and display.at - start <= 4.0
        )  # regions, then two receptions 2 s apart
        # Lingering within the cooldown: asked again, never shown again.
        assert await walk(40, AT_5_M) == []
        assert phone.stats.resolves >= 4 and phone.stats.filtered >= 50
        # Away long enough to be forgotten and past the cooldown, then at 50 m: nothing.
        await walk(20, None)
        answers = phone.stats.answers
        assert await walk(15, AT_50_M) == []
        assert phone.stats.answers > answers
        # Back at the door after the cooldown: shown again once the next answer has the nearer
        # distance (the app never shows on an answer that said "too far").
        assert [d.prompt.id for d in await walk(15, AT_5_M)] == [created["id"]]
        await walk(100, None)  # every scheduled event comes due and is posted

    assert len(phone.shown) == 2 and phone.shown[0].site_id == site["id"]
    assert phone.stats.errors == phone.stats.rate_limited == phone.stats.events_failed == 0
    stats = await backend.json("GET", f"/v1/admin/sites/{site['id']}/stats", 200)
    counts: dict[str, int] = {}
    for row in stats["prompt_events"]:
        counts[row["type"]] = counts.get(row["type"], 0) + row["count"]
    assert counts["shown"] == 2
    assert counts.get("acted", 0) + counts.get("dismissed", 0) == 2
