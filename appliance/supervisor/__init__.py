"""Child processes with restart/backoff, the run loop and the status snapshot."""
