"""Captures imported into their own store: the store's record and the ingest/detection run over it."""
