"""Configuration from the environment, overridable by a dict (flaskr style)."""
from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///instance/units.db"
ENV_KEYS = ("DATABASE_URL", "SECRET_KEY", "DEBUG")


def load_config(overrides: dict | None = None) -> dict:
    """Defaults, then environment variables, then the overrides."""
    config = {"DATABASE_URL": DEFAULT_DATABASE_URL, "SECRET_KEY": None, "DEBUG": False}
    config.update({key: os.environ[key] for key in ENV_KEYS if key in os.environ})
    config["DEBUG"] = str(config["DEBUG"]).lower() in ("1", "true", "yes")
    config.update(overrides or {})
    return config


def uses_default_database(config: dict) -> bool:
    """True when the app runs on the embedded database that the first start fills with demo data."""
    return config["DATABASE_URL"] == DEFAULT_DATABASE_URL
