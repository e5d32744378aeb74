"""The distance model on a site's settings page: what staff type (the path-loss exponent, each
beacon's power at 1 m, how far each agent stands from each beacon) and the fit told in words.

Pure: a form in, the models the admin API takes out (`DistanceModelIn`, `BeaconPatch`); a
`DistanceModel` in, sentences out. Saving goes through `staff_actions`, like the API's
`PUT /v1/admin/sites/{id}/distance-model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from pydantic import ValidationError

from backend.models import Agent, AgentDistance, Beacon, DistanceModel, DistanceModelIn
from backend.web.manage.site_form import FormProblems
from backend.web.words import word
from beacon_agent.contract.distance import DBM_MAX, DBM_MIN

# As many typed distances as the admin API takes in one model.
MAX_DISTANCES: Final = DistanceModelIn.model_fields["agent_distances"].metadata[0].max_length
# Median spread of the windows (dB) below which the fit is told as reliable, or as usable.
SURE_DB: Final = 3.0
USABLE_DB: Final = 6.0


@dataclass(frozen=True, slots=True)
class Field:
    """One input of the section: its form name, its label and the text it shows."""

    name: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Section:
    exponent: Field
    exponent_hint: str
    powers: list[Field]
    pairs: list[Field]
    said: list[str]  # the fit in words
    problems: list[str]


def power_field(beacon_id: int) -> str:
    return f"power-{beacon_id}"


def pair_field(agent_id: int, beacon_id: int) -> str:
    return f"distance-{agent_id}-{beacon_id}"


def section(
    model: DistanceModel,
    agents: Sequence[Agent],
    beacons: Sequence[Beacon],
    default: float,
    lang: str,
    typed: Mapping[str, str] | None = None,
    problems: Sequence[str] = (),
) -> Section:
    """The section as stored (or as `typed`, after a problem) in `lang`."""
    typed = typed or {}
    distances = {(d.agent_id, d.beacon_id): d.distance_m for d in model.agent_distances}
    labels = {b.id: b.label or f"#{b.id}" for b in beacons}

    def shown(name: str, stored: str) -> str:
        return typed.get(name, stored)

    exponent = "" if model.path_loss_exponent is None else f"{model.path_loss_exponent:g}"
    powers = [
        Field(
            power_field(b.id),
            word("dist.power", lang).format(label=labels[b.id]),
            shown(power_field(b.id), str(b.tx_power)),
        )
        for b in beacons
    ]
    pairs = []
    for a in agents:
        for b in beacons:
            name = pair_field(a.id, b.id)
            stored = distances.get((a.id, b.id))
            label = word("dist.pair", lang).format(agent=a.name, beacon=labels[b.id])
            pairs.append(Field(name, label, shown(name, "" if stored is None else f"{stored:g}")))
    return Section(
        Field("exponent", word("dist.exponent", lang), shown("exponent", exponent)),
        word("dist.exponent_hint", lang).format(default=f"{default:g}"),
        powers,
        pairs,
        told(model, labels, lang),
        list(problems),
    )


def told(model: DistanceModel, labels: Mapping[int, str], lang: str) -> list[str]:
    """The model in sentences: which exponent is in use and why, what was learnt, how sure it is."""
    fit = model.calibration
    n = f"{model.in_use:g}"
    said = [f"{word('dist.in_use', lang).format(n=n)} ({word('dist.source.' + model.source, lang)})."]
    # Distances typed but no window heard yet reads as "no distances" to the fit: say it is waiting.
    status = "too_few_windows" if fit.status == "no_distances" and model.agent_distances else fit.status
    said.append(word("dist.status." + status, lang).format(windows=fit.windows, n=n))
    if fit.path_loss_exponent is not None and fit.spread_db is not None:
        sure = "high" if fit.spread_db < SURE_DB else "mid" if fit.spread_db < USABLE_DB else "low"
        said.append(word("dist.sure." + sure, lang).format(spread=f"{fit.spread_db:g}"))
    for key, power in sorted(fit.tx_power.items()):
        label = labels.get(int(key), f"#{key}")
        said.append(word("dist.fitted_power", lang).format(label=label, power=f"{power:g}"))
    for moved in sorted({p.beacon_id for p in fit.pairs if p.moved}):
        said.append(word("dist.moved", lang).format(label=labels.get(moved, f"#{moved}")))
    return said


def parse(
    form: Mapping[str, str], agents: Sequence[Agent], beacons: Sequence[Beacon]
) -> tuple[DistanceModelIn, dict[int, int]]:
    """The typed model and each beacon's power at 1 m; `FormProblems` names the fields at fault."""
    problems: list[str] = []
    exponent = None
    try:
        exponent = _number(form.get("exponent", ""))
        DistanceModelIn(path_loss_exponent=exponent)
    except (ValueError, ValidationError):
        problems.append("exponent")
    powers: dict[int, int] = {}
    for b in beacons:
        text = form.get(power_field(b.id), str(b.tx_power)).strip().replace("\u2212", "-")
        if text.lstrip("-").isdigit() and DBM_MIN <= int(text) <= DBM_MAX:
            powers[b.id] = int(text)
        else:
            problems.append(power_field(b.id))
    distances = []
    for a in agents:
        for b in beacons:
            name = pair_field(a.id, b.id)
            try:
                metres = _number(form.get(name, ""))
                if metres is not None:
                    distances.append(AgentDistance(agent_id=a.id, beacon_id=b.id, distance_m=metres))
            except (ValueError, ValidationError):
                problems.append(name)
    if len(distances) > MAX_DISTANCES:
        problems.append("too_many")
    if problems:
        raise FormProblems(problems)
    return DistanceModelIn(path_loss_exponent=exponent, agent_distances=distances), powers


def _number(text: str) -> float | None:
    """A number as typed (a decimal comma too); None when empty; ValueError when not a number."""
    text = text.strip().replace(",", ".")
    return float(text) if text else None
