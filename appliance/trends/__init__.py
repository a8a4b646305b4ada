"""Ingest of closed flow files into RRD series and top lists, and the readers of both."""
