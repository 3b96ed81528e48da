"""Access to the app's engine from inside a request (never a module-level global)."""
from flask import Flask, current_app
from sqlalchemy import Engine

ENGINE_KEY = "units_engine"


def attach_engine(server: Flask, engine: Engine) -> None:
    """Make the engine reachable through the Flask app."""
    server.extensions[ENGINE_KEY] = engine


def engine() -> Engine:
    """The engine of the app serving the current request."""
    return current_app.extensions[ENGINE_KEY]
