"""The simulator's figures: the world's speed and the fake BlueZ's throughput against bare D-Bus."""
