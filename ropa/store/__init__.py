"""Persistence: Piccolo tables, engine choice, migrations and repository functions."""

import os

os.environ.setdefault("PICCOLO_CONF", "ropa.store.piccolo_conf")
