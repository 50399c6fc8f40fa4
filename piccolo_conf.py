"""Lets the `piccolo` command line work from the repository root."""

from ropa.store.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
