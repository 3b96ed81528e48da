"""Configuration from the environment, overridable by a dict (flaskr style)."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from data.accounts import set_hash_cost
from data.days import DEFAULT_TIMEZONE

DEFAULT_DATABASE_URL = "sqlite:///instance/units.db"
DEMO_SECRET_FILE = Path("instance/secret_key")
HASH_COST_KEYS = ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_COST")
ENV_KEYS = ("DATABASE_URL", "SECRET_KEY", "DEBUG", "TRUSTED_PROXIES", "TIMEZONE", "LOGIN_LIMIT_STORAGE",
            *HASH_COST_KEYS)
DEFAULTS = {
    "DATABASE_URL": DEFAULT_DATABASE_URL,
    "SECRET_KEY": None,
    "DEBUG": False,
    "TRUSTED_PROXIES": 0,
    "TIMEZONE": DEFAULT_TIMEZONE,
    # Sign-in attempts at one account from one address; failures at it from all addresses beyond this put it under
    # attack.
    "LOGIN_LIMIT_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_ADDRESS": "60 per 15 minutes",
    # Attempts at an account under attack from one address: the owner keeps a few tries, a botnet gets few guesses.
    "LOGIN_LIMIT_UNDER_ATTACK": "3 per 15 minutes",
    # Per process: with several workers set a shared store (redis://; not memcached://, which cannot give a successful
    # sign-in back) or each worker counts apart.
    "LOGIN_LIMIT_STORAGE": "memory://",
    # None keeps argon2-cffi's default cost (RFC 9106's low-memory choice); only tests lower it, to save time.
    "PASSWORD_HASH_TIME_COST": None,
    "PASSWORD_HASH_MEMORY_COST": None,
}


def load_config(overrides: dict | None = None) -> dict:
    """Defaults, then environment variables, then the overrides."""
    config = dict(DEFAULTS)
    config.update({key: os.environ[key] for key in ENV_KEYS if key in os.environ})
    config["DEBUG"] = str(config["DEBUG"]).lower() in ("1", "true", "yes")
    config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
    config.update({key: int(config[key]) if config[key] else None for key in HASH_COST_KEYS})
    config.update(overrides or {})
    return config


def use_password_cost(config: dict) -> None:
    """Hash new passwords at the configured argon2 cost."""
    set_hash_cost(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_COST"])


def uses_default_database(config: dict) -> bool:
    """True when the app runs on the embedded demo database that the first start fills with demo data."""
    return config["DATABASE_URL"] == DEFAULT_DATABASE_URL


def local_today(config: dict) -> dt.date:
    """Today where the tool is used: quarantines end on local dates."""
    return dt.datetime.now(ZoneInfo(config["TIMEZONE"])).date()


def secret_key(config: dict) -> str:
    """The configured SECRET_KEY; only the demo database and debug mode may do without one."""
    if config["SECRET_KEY"]:
        return config["SECRET_KEY"]
    if uses_default_database(config):
        return _demo_secret()
    if config["DEBUG"]:
        return secrets.token_hex(32)
    raise RuntimeError("SECRET_KEY is not set: set it in the environment (outside demo and debug mode it is required)")


def _demo_secret() -> str:
    """A random key kept beside the demo database, so that sign-ins survive a restart."""
    if not DEMO_SECRET_FILE.exists():
        DEMO_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEMO_SECRET_FILE.write_text(secrets.token_hex(32))
        DEMO_SECRET_FILE.chmod(0o600)
    return DEMO_SECRET_FILE.read_text().strip()
