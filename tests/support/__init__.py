"""Helpers shared by the test tiers: deadlines, namespaces, traffic."""
