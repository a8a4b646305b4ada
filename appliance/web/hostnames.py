"""Host names from the inventory beside addresses on every page (one read per request)."""

import os

from flask import g
from markupsafe import Markup, escape

from ..span import inventory
from . import views


def known():
    """Return {address: name} the hosts announced (docs/span.md), read once per request."""
    if "spanflow_names" not in g:
        g.spanflow_names = {}
        database = views.ctx().paths.database
        if os.path.exists(database):
            con = inventory.connect(database, readonly=True)
            try:
                g.spanflow_names = inventory.names(con)
            finally:
                con.close()
    return g.spanflow_names


def label(address):
    """Return an address with the name its host announced beside it (the `host` filter)."""
    name = known().get(str(address))
    if not name:
        return address
    return Markup(f'{escape(address)} <span class="hostname">{escape(name)}</span>')
