"""Run a bundled scenario as ``nahbei-sim run`` does, with every log at info level as JSON on stderr.

``nahbei-sim`` logs only warnings (a demo should be quiet); the privacy audit wants everything the
backend and the simulator's process would log in production, in a file it can search:

    python -m tests.reliability.street SCENARIO FOLDER --duration S --speed X 2> FOLDER/sim.log

The real agents' logs are in FOLDER/agent-N.log (their config sets info level).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from beacon_agent.contract import logs
from simulator.engine.run import run_scenario
from simulator.world.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.street")
    parser.add_argument("scenario")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logs.configure("json", "info")
    scenario = load_scenario(args.scenario)
    asyncio.run(
        run_scenario(scenario, seed=args.seed, duration_s=args.duration, speed=args.speed, folder=args.folder)
    )


if __name__ == "__main__":
    main()
