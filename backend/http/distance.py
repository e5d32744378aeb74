"""A site's distance model: staff type where the agent is, the agents' windows refit it, resolve uses it.

The fit itself is `backend.calibration` (pure); this module reads the windows, stores the fit that
resolve reads through the catalog, and answers staff with the fit and how sure it is.
"""

from __future__ import annotations

from backend.calibration import FIT_SPAN_S, Fit, fit
from backend.http.operations import Call
from backend.http.state import AppState
from backend.models import Calibration, CalibrationPair, DistanceModel, DistanceModelIn


async def refit(state: AppState, site_id: int) -> Fit | None:
    """Fit the site's model from its agents' windows and store it; None when no agent is calibrated.

    Runs after an agent's batch (`refit_after_batch`) and when staff change the typed distances;
    resolve sees the new fit within the catalog's TTL.
    """
    now = state.clock()
    windows = await state.storage.calibration_windows(site_id, now - FIT_SPAN_S)
    if not windows:
        return None
    result = fit(windows, now, state.settings.path_loss_exponent)
    await state.storage.store_fit(site_id, result.path_loss_exponent, result.tx_power)
    return result


async def refit_after_batch(state: AppState, site_id: int) -> None:
    """`refit` after an agent's batch, at most once every REFIT_EVERY_S a site (per process)."""
    now = state.clock()
    if state.refitted.get(site_id, now) is None:
        state.refitted.put(site_id, True, now)
        await refit(state, site_id)


async def current(state: AppState, org_id: int, site_id: int) -> DistanceModel:
    """What staff typed, what the agents fitted, and which exponent resolve uses."""
    typed = await state.storage.distance_settings(org_id, site_id)
    result = Fit(None)
    if typed.agent_distances:  # else there are no windows to read: nothing says where an agent is
        now = state.clock()
        windows = await state.storage.calibration_windows(site_id, now - FIT_SPAN_S)
        result = fit(windows, now, state.settings.path_loss_exponent)
    street = state.street.exponent(site_id)
    return view(site_id, typed, result, state.settings.path_loss_exponent, street)


def view(
    site_id: int, typed: DistanceModelIn, result: Fit, default: float, street: float | None = None
) -> DistanceModel:
    """The model as staff see it; `street` is the n learnt from passers-by (this process's)."""
    if result.path_loss_exponent is not None:
        in_use, source = result.path_loss_exponent, "fitted"
    elif typed.path_loss_exponent is not None:
        in_use, source = typed.path_loss_exponent, "typed"
    elif street is not None:
        in_use, source = street, "street"
    else:
        in_use, source = default, "default"
    pairs = [
        CalibrationPair(
            agent_id=p.agent_id,
            beacon_id=p.beacon_id,
            distance_m=p.distance_m,
            windows=p.windows,
            median_rssi_below_power_db=round(p.loss_db, 1),
            spread_db=round(p.spread_db, 1),
            moved=p.moved,
        )
        for p in result.pairs
    ]
    spread = result.spread_db
    calibration = Calibration(
        status=result.method,
        path_loss_exponent=None if result.path_loss_exponent is None else round(result.path_loss_exponent, 2),
        tx_power={str(b): round(p, 1) for b, p in result.tx_power.items()},
        windows=result.windows,
        spread_db=None if spread is None else round(spread, 1),
        pairs=pairs,
    )
    return DistanceModel(
        **typed.model_dump(),
        site_id=site_id,
        in_use=round(in_use, 2),
        source=source,
        calibration=calibration,
    )


async def get_distance_model(call: Call) -> DistanceModel:
    return await current(call.state, call.org, call.ids["site_id"])
