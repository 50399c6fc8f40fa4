"""docker-compose.yml and the Dockerfile wire the service to PostgreSQL.

No Docker engine runs here: the files are parsed and their wiring checked.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

import yaml

from ropa.settings import Settings
from ropa.store.engine import engine_kind

ROOT = Path(__file__).resolve().parents[2]
_DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _interpolate(value: str) -> str:
    """Compose's ${NAME:-default} with the environment empty, as on a fresh machine."""
    return Template(_DEFAULTED.sub(lambda m: m.group(2), value)).safe_substitute()


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_service_reaches_the_compose_database() -> None:
    compose = _compose()
    db = compose["services"]["db"]
    service = compose["services"]["ropa"]
    url = urlsplit(_interpolate(service["environment"]["DATABASE_URL"]))
    assert url.scheme == "postgresql"
    assert url.hostname == "db"
    assert url.port == 5432
    assert url.username == _interpolate(db["environment"]["POSTGRES_USER"])
    assert url.password == _interpolate(db["environment"]["POSTGRES_PASSWORD"])
    assert url.path == "/" + _interpolate(db["environment"]["POSTGRES_DB"])
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in db


def test_service_runs_several_workers_on_all_interfaces() -> None:
    environment = _compose()["services"]["ropa"]["environment"]
    assert int(_interpolate(str(environment["ROPA_WORKERS"]))) > 1
    assert environment["ROPA_HOST"] == "0.0.0.0"


def test_compose_database_url_selects_the_postgres_engine(monkeypatch) -> None:
    url = _interpolate(_compose()["services"]["ropa"]["environment"]["DATABASE_URL"])
    monkeypatch.setenv("DATABASE_URL", url)
    settings = Settings()
    assert settings.database_url == url
    assert engine_kind(settings.database_url) == "postgresql"


def test_dockerfile_installs_the_locked_packages_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    assert 'CMD ["ropa", "serve"]' in dockerfile
    for needed in ("ropa", "schema", "examples", "uv.lock", "pyproject.toml"):
        assert needed in dockerfile
    assert (ROOT / "uv.lock").exists()
