"""The run: a scenario's world driven against the real backend, real or inline agents, and phones.

`run` is the entry (`run_scenario`); `backend` starts the real aiohttp service and seeds it as site
staff would, `agents` runs the beacon agents (real processes scanning through the fake BlueZ, or
the agent's core in process), `phones` runs one companion app per walker with a phone.
"""
