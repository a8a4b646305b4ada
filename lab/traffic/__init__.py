"""Lab traffic: one module per traffic type, run by agent.py inside the Mininet hosts."""
