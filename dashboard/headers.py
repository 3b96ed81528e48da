"""Security headers on every response: no framing, no type sniffing, no cross-site referrers, a
Content-Security-Policy under which Dash runs with nothing but the app's own files, and nothing but static files kept
in any cache."""
from __future__ import annotations

from dash import Dash
from flask import Response, request

FIXED_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# Static files keep their caching. Every other answer is for one signed-in user (it may hold personal data), and the
# layout also for the page that asked for it (dashboard/pages.first_page reads its Referer): never stored.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
# Styles need 'unsafe-inline': the grid's renderer writes a <style> of the catalogue's colours, Plotly inserts <style>
# elements and Dash components set style attributes. Scripts do not: Dash's inline scripts are allowed by their hashes.
POLICY = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def init_headers(app: Dash) -> None:
    """Add the security headers to every response of the app (pages, callbacks, assets, errors)."""
    app.server.after_request(lambda response: with_headers(response, app.csp_hashes(), request.path))


def with_headers(response: Response, script_hashes: list[str], path: str) -> Response:
    """The response with the fixed headers, the policy that allows these inline scripts, and no caching unless it is a
    static file."""
    response.headers.update(FIXED_HEADERS)
    if not path.startswith(STATIC_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = content_security_policy(script_hashes)
    return response


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy, with Dash's inline scripts (its renderer bootstrap, clientside callbacks) allowed by hash."""
    policy = {**POLICY, "script-src": (*POLICY["script-src"], *script_hashes)}
    return "; ".join(" ".join((directive, *sources)) for directive, sources in policy.items())
