"""The backend's figures: the real service, the bare handler and the floor, driven by wrk."""
