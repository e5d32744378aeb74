"""What a run proves: `record` (what the engine noted), `figures` (the numbers, the findings and
the files a volunteer opens), `svg` (the picture)."""
