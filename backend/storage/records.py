"""Both stores' column lists, taken from the models they fill, and how a row becomes one.

A model's stored columns carry the model's field names, so the lists here are the models' fields
(`Columns.of`): a field added to `Site`, `Beacon` or `Agent` is selected without another list to
keep in step, and a column the table lacks fails at once in every test that reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from backend.models import Agent, Beacon, Prompt, Site
from backend.storage import BeaconRef, EidBeacon
from backend.storage.columns import Columns
from backend.storage.rows import SiteMaterial, SiteRow, prompt_from_body, stored_prompt, utc

SITE = Columns.of("s", Site.model_fields)
BEACON = Columns.of("b", Beacon.model_fields)
AGENT = Columns.of("a", Agent.model_fields)
PROMPT = Columns("p.id", "p.site_id", "p.body")
# The site's distance model beside a beacon `b`: subqueries, so each SELECT keeps its joins.
MODEL_COLUMNS = (
    "(SELECT COALESCE(dm.fitted_exponent, dm.path_loss_exponent) FROM distance_models dm"
    " WHERE dm.site_id = b.site_id) AS path_loss_exponent",
    "(SELECT f.tx_power FROM beacon_fits f WHERE f.beacon_id = b.id) AS fitted_power",
)
EID_BEACON = Columns(
    "b.id",
    "b.site_id",
    "s.org_id",
    "b.tx_power",
    "b.identity_key",
    "b.rotation_exponent",
    "b.initial_time",
    "b.registered_at",
    *MODEL_COLUMNS,
)
# The public answers' light rows: a site's public columns, and each of its prompts (NULL for none).
PUBLIC_SITE = Columns.of("s", SiteRow._fields)
MATERIAL = PUBLIC_SITE + Columns("p.id", "p.body")
BEACON_REF = Columns("b.id", "b.site_id", "s.org_id", "b.status", "b.tx_power", *MODEL_COLUMNS)


def site(row: Sequence[Any]) -> Site:
    return Site.model_validate(SITE.record(row))


def beacon(record: Mapping[str, Any]) -> Beacon:
    """A `Beacon` from the record of a row holding `BEACON`'s columns (and maybe more)."""
    fields = {name: record[name] for name in BEACON.fields}
    fields["identity"] = json.loads(fields["identity"])
    return Beacon.model_validate(fields)


def agent(row: Sequence[Any]) -> Agent:
    fields = AGENT.record(row)
    fields["revoked"] = bool(fields["revoked"])
    fields["last_heartbeat"] = utc(fields["last_heartbeat"])
    fields["heartbeat"] = json.loads(fields["heartbeat"]) if fields["heartbeat"] else None
    return Agent.model_validate(fields)


def prompt(row: Sequence[Any]) -> Prompt:
    fields = PROMPT.record(row)
    return prompt_from_body(fields["id"], fields["site_id"], fields["body"])


def eid_beacon(row: Sequence[Any]) -> EidBeacon:
    return EidBeacon(**EID_BEACON.record(row))


def beacon_ref_of(columns: Columns) -> Callable[[Sequence[Any]], BeaconRef]:
    """The reader of the `BeaconRef` in rows holding `BEACON_REF`'s columns among others."""
    at = columns.at
    beacon_id, site_id, org_id, status, tx_power, exponent, fitted = (at[name] for name in BEACON_REF.at)

    def ref(row: Sequence[Any]) -> BeaconRef:
        return BeaconRef(
            row[beacon_id],
            row[site_id],
            row[org_id],
            row[status] == "active",
            row[tx_power],
            row[exponent],
            row[fitted],
        )

    return ref


def material_of(columns: Columns) -> Callable[[Iterable[Sequence[Any]]], dict[int, SiteMaterial]]:
    """The reader of sites and their prompts (`SiteMaterial`) from rows holding `MATERIAL`'s columns
    among others, ordered by site: one row per prompt, or one with a NULL prompt for a site without.

    The hot path's decoder (a resolve or nearby that misses the cache reads here): the positions are
    looked up once, as the reader is made, and then rows are indexed by number.
    """
    at_site, at_prompt, at_body = columns.at["s.id"], columns.at["p.id"], columns.at["p.body"]
    site_columns = columns.span(*PUBLIC_SITE.at)

    def material(rows: Iterable[Sequence[Any]]) -> dict[int, SiteMaterial]:
        site, prompt, body, public = at_site, at_prompt, at_body, site_columns
        found: dict[int, SiteMaterial] = {}
        for row in rows:
            site_id = row[site]
            if site_id not in found:
                found[site_id] = (SiteRow._make(row[public]), [])
            prompt_id = row[prompt]
            if prompt_id is not None:
                found[site_id][1].append(stored_prompt(prompt_id, site_id, row[body]))
        return found

    return material
