"""The agent's figures: a real agent fed through the fake BlueZ, against a bare bleak scanner and
Theengs Gateway in the same run."""
