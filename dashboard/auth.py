"""Sign-in and sign-out, the gate every request passes, CSRF checks and login rate limits."""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, jsonify, redirect, render_template_string, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import ids
from dashboard.extensions import engine
from data.db import writing
from data.accounts import (
    ABSOLUTE_TIMEOUT,
    Account,
    check_password,
    end_session,
    needs_touch,
    session_account,
    start_session,
    touch_session,
)

log = logging.getLogger(__name__)
PUBLIC_PATHS = ("/login", "/logout", "/health")
PUBLIC_PREFIXES = ("/assets/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CALLBACK_PREFIX = "/_dash-update-component"

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · 楼盘图</title><link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 24rem; margin-top: 12vh">
<h1 class="h4 mb-3">楼盘图 · Building status</h1>
{% if error %}<div class="alert alert-danger" role="alert">{{ error }}</div>{% endif %}
<form method="post" action="/login" class="card card-body gap-2">
<label class="form-label mb-0" for="username">User name</label>
<input class="form-control" id="username" name="username" autocomplete="username" value="{{ username }}" required autofocus>
<label class="form-label mb-0" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{{ next }}">
<button class="btn btn-primary mt-2" type="submit">Sign in</button>
</form></main></body></html>"""


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
    """Attach Flask-Login, the gate, the sign-in routes and their rate limits to the Flask app."""
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         PERMANENT_SESSION_LIFETIME=ABSOLUTE_TIMEOUT)
    server.session_interface = HttpsAwareSessions()
    if server.config["TRUSTED_PROXIES"]:
        hops = server.config["TRUSTED_PROXIES"]
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    manager = LoginManager(server)
    manager.user_loader(load_signed_in)
    server.before_request(gate)
    # Every attempt counts, before it runs: counting only failures afterwards lets a burst of parallel guesses through.
    limiter = Limiter(get_remote_address, app=server, storage_uri=server.config["LOGIN_LIMIT_STORAGE"])
    limited = limiter.limit(server.config["LOGIN_LIMIT_ADDRESS"], methods=["POST"])(login)
    limited = limiter.limit(server.config["LOGIN_LIMIT_ACCOUNT"], key_func=_account_key, methods=["POST"])(limited)
    server.add_url_rule("/login", "login", limited, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.add_url_rule("/health", "health", health)


def current_account() -> Account | None:
    """The signed-in account of this request, or None."""
    return current_user.account if current_user.is_authenticated else None


def load_signed_in(token: str) -> SignedIn | None:
    """Flask-Login's loader: a live session's account, or nobody; activity (not the refresh timer) keeps it alive."""
    with engine().connect() as conn:
        account, stale = session_account(conn, token), needs_touch(conn, token)
    if stale and not _is_timer(request):
        with writing(engine()) as conn:
            touch_session(conn, token)
    return SignedIn(account, token) if account else None


def gate():
    """Refuse cross-site writes everywhere, and everything but sign-in to anonymous users."""
    refusal = _csrf_refusal()
    if refusal or request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
        return refusal
    if current_user.is_authenticated:
        return None
    if request.path.startswith(("/_dash", "/api/")):
        return jsonify(error="sign in first"), 401
    return redirect(f"/login?next={request.full_path.rstrip('?')}")


def _csrf_refusal():
    """A 403 for a write from another origin, a 415 for a callback that is not JSON."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return jsonify(error="cross-site request refused"), 403
    if request.path.startswith(CALLBACK_PREFIX) and request.mimetype != "application/json":
        return jsonify(error="callbacks accept JSON only"), 415
    return None


def login():
    """The sign-in form, and signing in: the same answer for an unknown user as for a wrong password."""
    target = _safe_next(request.values.get("next", "/"))
    if request.method == "GET":
        return render_template_string(LOGIN_PAGE, error=None, username="", next=target)
    username, password = request.form.get("username", "")[:100], request.form.get("password", "")[:1000]
    with engine().connect() as conn:
        user_id = check_password(conn, username, password)
    account = None
    if user_id:
        with writing(engine()) as conn:
            token = start_session(conn, user_id)
            account = session_account(conn, token)
    if account is None:
        log.warning("failed sign-in for user %r from %s", username, request.remote_addr)
        return render_template_string(LOGIN_PAGE, error="Wrong user name or password.", username=username, next=target), 401
    session.clear()
    session.permanent = True
    login_user(SignedIn(account, token))
    return redirect(target)


def logout():
    """End the session server-side, so that a copy of the cookie is refused too."""
    if current_user.is_authenticated:
        with writing(engine()) as conn:
            end_session(conn, current_user.token)
    logout_user()
    session.clear()
    return redirect("/login")


def health():
    """200 with the schema revision when the app can reach its database, 503 when it cannot (for load balancers)."""
    try:
        with engine().connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok", migration=revision)


def _safe_next(target: str) -> str:
    """Only plain local paths: never an open redirect (browsers drop tabs and newlines, so `/\t/x` is `//x`)."""
    plain = target.isprintable() and "\\" not in target and not urlsplit(target).netloc
    return target if plain and target.startswith("/") and not target.startswith("//") else "/"


def _is_timer(incoming) -> bool:
    """True for the building page's refresh tick, which is no sign that someone is there."""
    if incoming.path != CALLBACK_PREFIX:
        return False
    body = incoming.get_json(silent=True) or {}
    return body.get("changedPropIds") == [f"{ids.REFRESH}.n_intervals"]


def _account_key() -> str:
    """Rate-limit key of the account a sign-in attempt names."""
    return "account:" + request.form.get("username", "").strip().lower()[:100]


