"""Placeholder: this command group is being built (see the issue that owns it)."""


def register(sub, common):
    pass
