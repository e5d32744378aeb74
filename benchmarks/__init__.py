"""Speed, measured side by side against a baseline in the same run: `make bench`."""
