"""Sign-in and sign-out, the gate every request passes, CSRF checks and login rate limits."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import ids
from dashboard.extensions import reading, writing
from dashboard.outage import malformed_callback
from dashboard.sign_in_limits import Attempt, SignInLimits, client_address
from dashboard.sign_in_page import sign_in_page, too_many, wrong_password
from data.access import authorize
from data.accounts import (
    ABSOLUTE_TIMEOUT,
    Account,
    check_password,
    end_session,
    session_account,
    session_state,
    start_session,
    touch_session,
)

log = logging.getLogger(__name__)
PUBLIC_PATHS = ("/login", "/logout", "/health", "/language")
PUBLIC_PREFIXES = ("/assets/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CALLBACK_PREFIX = "/_dash-update-component"

DEFAULT_PORTS = {"http": 80, "https": 443}
LIMITS_KEY = "sign_in_limits"


class SignedIn(UserMixin):
    """Flask-Login's user: the account, identified by its session token (never by the user id)."""

    def __init__(self, account: Account, token: str):
        self.account, self.token = account, token

    def get_id(self) -> str:
        """The session token, so that ending the session refuses the cookie."""
        return self.token


class HttpsAwareSessions(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure over https (or when configured so)."""
        return request.is_secure or super().get_cookie_secure(app)


def init_auth(server: Flask) -> None:
    """Attach Flask-Login, the gate, the sign-in routes and their attempt counters to the Flask app."""
    # The cookie is signed once, at sign-in, and lasts as long as a session may (idleness is checked on the server):
    # signing it again on every request would cost each request a Set-Cookie.
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         PERMANENT_SESSION_LIFETIME=ABSOLUTE_TIMEOUT, SESSION_REFRESH_EACH_REQUEST=False)
    server.session_interface = HttpsAwareSessions()
    if server.config["TRUSTED_PROXIES"]:
        hops = server.config["TRUSTED_PROXIES"]
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    manager = LoginManager(server)
    manager.user_loader(load_signed_in)
    server.before_request(gate)
    server.extensions[LIMITS_KEY] = SignInLimits(server.config)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.add_url_rule("/health", "health", health)


def current_account() -> Account | None:
    """The signed-in account of this request, or None."""
    return current_user.account if current_user.is_authenticated else None


def load_signed_in(token: str) -> SignedIn | None:
    """Flask-Login's loader (once a request): a live session's account, or nobody; activity (not the refresh timer)
    keeps it alive."""
    with reading() as conn:
        account, stale = session_state(conn, token)
    if stale and not _is_timer(request):
        with writing() as conn:
            touch_session(conn, token)
    return SignedIn(account, token) if account else None


def gate():
    """Refuse cross-site writes everywhere, everything but sign-in to anonymous users, and callback requests that are
    no callback requests."""
    refusal = _csrf_refusal()
    if refusal or request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
        return refusal
    if current_user.is_authenticated:
        return malformed_callback()
    if request.path.startswith(("/_dash", "/api/")):
        return jsonify(error="sign in first"), 401
    return redirect(f"/login?next={request.full_path.rstrip('?')}")


def _csrf_refusal():
    """A 403 for a write from another origin (scheme, host and port), a 415 for a callback that is not JSON."""
    if request.method in SAFE_METHODS:
        return None
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is not None and _origin(source) != _origin(request.host_url):
        return jsonify(error="cross-site request refused"), 403
    if request.path.startswith(CALLBACK_PREFIX) and request.mimetype != "application/json":
        return jsonify(error="callbacks accept JSON only"), 415
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    """The (scheme, host, port) of a URL, with the scheme's default port; nothing that matches a page for a URL
    without them (such as the `null` origin of a sandboxed frame)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return "", "", None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname or "", port or DEFAULT_PORTS.get(scheme)


def login():
    """The sign-in form, and signing in: the same answer for an unknown user as for a wrong password; an attempt
    over the limits is refused before its password is checked."""
    target = safe_next(request.values.get("next", "/"))
    if request.method == "GET":
        return sign_in_page(next_page=target)
    username, password = request.form.get("username", "")[:100], request.form.get("password", "")[:1000]
    attempt, limits = Attempt(username.lower(), client_address(request.remote_addr)), current_app.extensions[LIMITS_KEY]
    wait = limits.take(attempt)
    if wait:
        log.warning("sign-in refused for user %r from %s: too many attempts", username, request.remote_addr)
        return _refused(username, target, wait)
    signed_in = _sign_in(username, password)
    if signed_in is None:
        limits.failed(attempt)
        log.warning("failed sign-in for user %r from %s", username, request.remote_addr)
        return sign_in_page(username, target, wrong_password()), 401
    limits.give_back(attempt)
    session.clear()
    session.permanent = True
    login_user(signed_in)
    return redirect(target)


def _sign_in(username: str, password: str) -> SignedIn | None:
    """A new session for the right name and password, else None."""
    with reading() as conn:
        user_id = check_password(conn, username, password)
    if not user_id:
        return None
    with writing() as conn:
        token = start_session(conn, user_id)
        account = session_account(conn, token)
    return SignedIn(account, token) if account else None


def _refused(username: str, target: str, wait: int):
    """429: the sign-in page saying when to try again, and the same in Retry-After."""
    page = sign_in_page(username, target, too_many(wait, current_app.config["TIMEZONE"]))
    return page, 429, {"Retry-After": str(wait)}


def logout():
    """End the session server-side, so that a copy of the cookie is refused too."""
    if current_user.is_authenticated:
        with writing() as conn:
            end_session(conn, current_user.token)
    logout_user()
    session.clear()
    return redirect("/login")


def health():
    """200 "ok" when the app can reach its database, 503 "unavailable" when it cannot (for load balancers); the
    schema revision only to administrators."""
    try:
        with reading() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        return jsonify(status="unavailable"), 503
    if authorize(current_account(), "admin"):
        return jsonify(status="ok", migration=revision)
    return jsonify(status="ok")


def safe_next(target: str) -> str:
    """Only plain local paths: never an open redirect (browsers drop tabs and newlines, so `/\t/x` is `//x`)."""
    plain = target.isprintable() and "\\" not in target and not urlsplit(target).netloc
    return target if plain and target.startswith("/") and not target.startswith("//") else "/"


def _is_timer(incoming) -> bool:
    """True for the building page's refresh tick, which is no sign that someone is there."""
    if incoming.path != CALLBACK_PREFIX:
        return False
    body = incoming.get_json(silent=True)
    return isinstance(body, dict) and body.get("changedPropIds") == [f"{ids.REFRESH}.n_intervals"]
