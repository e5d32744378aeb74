"""``python -m simulator``: the same as ``nahbei-sim``."""

from simulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
