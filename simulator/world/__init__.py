"""The world the simulator plays: the street, its beacons and walkers, and the radio between them.

Pure and seeded: `scenario` (and `scenario_parts`) read a street from TOML, `walkers` and `beacons`
say who is where and what is sent when, `radio` says what a receiver hears, `world` puts them
together. Nothing here opens a socket or reads a clock.
"""
