"""Flow queries: the only code that runs nfdump/nfexpire, filter checks and record parsing."""
