"""The beacon agent that runs at a site, and (in `contract/`) what every Nahbei program shares.

The runtime, in a sighting's order: `scanner` (bleak), `aggregate`, `outbox`, `reporter`, with
`core` assembling them and `service` running them under `cli`; `advertiser` and `bluez` make the
agent a beacon itself.
"""
