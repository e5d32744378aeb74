import sys

from beacon_agent.cli import main

sys.exit(main())
