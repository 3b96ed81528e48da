"""The building floor-plan status dashboard.

`create_app` is imported on first use: importing any module below `dashboard` (such as `dashboard.ids`, which every
layout needs) must not build the app and every callback with it.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    """`dashboard.create_app`, loaded when first asked for."""
    if name == "create_app":
        from dashboard.app import create_app
        return create_app
    raise AttributeError(f"module 'dashboard' has no attribute {name!r}")
