"""Lets the `piccolo` command line work from the repository root (no engine is made on import)."""

from ropa.store.piccolo_conf import APP_REGISTRY, __getattr__

__all__ = ["APP_REGISTRY", "__getattr__"]
