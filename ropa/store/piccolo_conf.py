"""Piccolo configuration: the engine named by DATABASE_URL (SQLite file by default)."""

from piccolo.conf.apps import AppRegistry

from ropa.store.engine import make_engine

DB = make_engine()
APP_REGISTRY = AppRegistry(apps=["ropa.store.piccolo_app"])
