"""spanflow: a network-flow sensor for a switch's SPAN port."""

__version__ = "0.1.0"
