"""Print a command's result as JSON (--json) or as readable text."""

import json
import sys


def emit(data, as_json, render):
    """Print data as indented JSON when as_json, else render(data)."""
    if as_json:
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        print(render(data))
    return 0
