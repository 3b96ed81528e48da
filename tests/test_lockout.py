"""Sign-in limits that stop guessing without locking anybody out, through the Flask test client (both backends).
REMOTE_ADDR (or X-Forwarded-For behind a trusted proxy) stands for where a request comes from."""
from __future__ import annotations

import re
import threading

from tests.helpers import PASSWORD, demo_app

ATTACKER, OWNER, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.1"
WRONG = "not the password!"


def attempt(client, username: str, password: str, address: str, **headers):
    """One sign-in attempt from an address."""
    return client.post("/login", data={"username": username, "password": password, "next": "/"},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def answers(client, username: str, password: str, address: str, times: int, **headers) -> list[int]:
    """The status codes of the same attempt made several times."""
    return [attempt(client, username, password, address, **headers).status_code for _ in range(times)]


def test_an_attacker_cannot_lock_the_owner_out(app, anonymous):
    assert answers(anonymous, "admin", WRONG, ATTACKER, 11) == [401] * 10 + [429]
    assert attempt(anonymous, "admin", PASSWORD, ATTACKER).status_code == 429
    owner = app.server.test_client()
    assert attempt(owner, "admin", PASSWORD, OWNER).status_code == 302
    assert owner.get("/_dash-layout").status_code == 200


def test_an_account_under_attack_from_many_addresses_gives_each_address_few_tries(app, anonymous):
    attackers = [f"203.0.113.{n}" for n in range(1, 5)]
    for address in attackers:
        assert answers(anonymous, "leader", WRONG, address, 3) == [401] * 3
    assert attempt(anonymous, "leader", WRONG, attackers[0]).status_code == 429
    owner = app.server.test_client()
    assert attempt(owner, "leader", WRONG, OWNER).status_code == 401
    assert attempt(owner, "leader", PASSWORD, OWNER).status_code == 302


def test_a_burst_from_one_address_is_cut_at_the_limit_and_the_owner_still_signs_in(app):
    codes, barrier = [], threading.Barrier(16)

    def guess():
        client = app.server.test_client()
        barrier.wait()
        codes.append(attempt(client, "viewer", WRONG, ATTACKER).status_code)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [401] * 10 + [429] * 6
    assert attempt(app.server.test_client(), "viewer", PASSWORD, OWNER).status_code == 302


def test_signing_in_costs_nobody_anything(database_url):
    client = demo_app(
        database_url, LOGIN_LIMIT_ACCOUNT="2 per minute", LOGIN_LIMIT_ADDRESS="3 per minute"
    ).server.test_client()
    assert answers(client, "staff", PASSWORD, OWNER, 4) == [302] * 4
    assert answers(client, "staff", WRONG, OWNER, 3) == [401, 401, 429]
    assert attempt(client, "leader", PASSWORD, OWNER).status_code == 429


def test_a_refusal_is_the_sign_in_page_saying_when_to_try_again(database_url):
    client = demo_app(database_url, LOGIN_LIMIT_ACCOUNT="1 per 15 minutes").server.test_client()
    attempt(client, "staff", WRONG, ATTACKER)
    refused = attempt(client, "staff", WRONG, ATTACKER)
    page = refused.get_data(as_text=True)
    wait = int(refused.headers["Retry-After"])
    assert refused.status_code == 429 and refused.mimetype == "text/html" and 0 < wait <= 15 * 60
    message = re.search(r'<div id="sign-in-message"[^>]*>', page)[0]
    assert (
        'data-reason="too-many"' in message and f'data-retry-after="{wait}"' in message and "alert-warning" in message
    )
    assert '<link rel="stylesheet" href="/assets/bootstrap.min.css">' in page
    assert re.search(r'<input[^>]*id="username"[^>]*value="staff"', page) and 'id="password"' in page
    wrong = attempt(client, "leader", WRONG, OWNER).get_data(as_text=True)
    assert re.sub(r'<div id="sign-in-message".*?</div>', "", wrong).replace("leader", "staff") == re.sub(
        r'<div id="sign-in-message".*?</div>', "", page)


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database_url):
    client = demo_app(database_url, TRUSTED_PROXIES=1, LOGIN_LIMIT_ACCOUNT="2 per 15 minutes").server.test_client()
    assert answers(client, "staff", WRONG, PROXY, 3, **{"X-Forwarded-For": ATTACKER}) == [401, 401, 429]
    assert attempt(client, "staff", PASSWORD, PROXY, **{"X-Forwarded-For": OWNER}).status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(database_url):
    client = demo_app(database_url, LOGIN_LIMIT_ACCOUNT="2 per 15 minutes").server.test_client()
    codes = [
        attempt(client, "staff", WRONG, ATTACKER, **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)
    ]
    assert codes == [401, 401, 429]


def test_the_addresses_of_one_ipv6_subscriber_count_as_one(database_url):
    client = demo_app(database_url, LOGIN_LIMIT_ADDRESS="3 per 15 minutes").server.test_client()
    for n, name in enumerate(("a", "b", "c"), start=1):
        assert attempt(client, name, WRONG, f"2001:db8:1:2::{n}").status_code == 401
    assert attempt(client, "staff", PASSWORD, "2001:db8:1:2::99").status_code == 429
    assert attempt(client, "staff", PASSWORD, "2001:db8:1:3::1").status_code == 302
