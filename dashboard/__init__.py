"""The building floor-plan status dashboard."""
from dashboard.app import create_app

__all__ = ["create_app"]
