"""The mirror port: what to change (plan.py, pure) and how (port.py, the only pyroute2 user)."""
