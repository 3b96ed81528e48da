"""How many sign-in attempts may run. Every attempt is counted before it runs (so that a burst of parallel guesses
cannot slip past), per (account, address) and per address, and given back when it signs in; an account whose failures
from all addresses pass its limit is under attack, and then each address gets only a few tries at it. Nobody's
failures refuse another address: the owner still signs in while someone guesses their password elsewhere."""
from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

# One subscriber usually holds a whole IPv6 /64: counting its addresses apart would let it guess without end.
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the account it names, as the password check matches it, and where it comes from."""

    account: str
    address: str


class SignInLimits:
    """The counters of sign-in attempts, in the `limits` storage that LOGIN_LIMIT_STORAGE names."""

    def __init__(self, config: dict):
        self.counter = FixedWindowRateLimiter(storage_from_string(config["LOGIN_LIMIT_STORAGE"]))
        self.per_pair, self.per_address = parse(config["LOGIN_LIMIT_ACCOUNT"]), parse(config["LOGIN_LIMIT_ADDRESS"])
        self.under_attack = parse(config["LOGIN_LIMIT_UNDER_ATTACK"])

    def take(self, attempt: Attempt) -> int:
        """Count an attempt before it runs: 0 when it may run, else the seconds until it may."""
        attacked = not self.counter.test(self.per_pair, "failures", attempt.account)
        refusing = [(limit, key) for limit, key, enforced in self._counters(attempt, attacked)
                    if not self.counter.hit(limit, *key) and enforced]
        return max((self._wait(limit, key) for limit, key in refusing), default=0)

    def give_back(self, attempt: Attempt) -> None:
        """Uncount an attempt that signed in: signing in costs nobody anything."""
        for limit, key, _ in self._counters(attempt, False):
            self.counter.hit(limit, *key, cost=-1)

    def failed(self, attempt: Attempt) -> None:
        """Count a failure against the account, from whatever address."""
        self.counter.hit(self.per_pair, "failures", attempt.account)

    def _counters(self, attempt: Attempt, attacked: bool) -> list[tuple[RateLimitItem, tuple[str, ...], bool]]:
        """Each counter an attempt adds to, and whether it may refuse the attempt now (the address comes first in a
        key: it never holds the key's separator, a user name may)."""
        pair = ("pair", attempt.address, attempt.account)
        return [(self.per_address, ("address", attempt.address), True), (self.per_pair, pair, True),
                (self.under_attack, pair, attacked)]

    def _wait(self, limit: RateLimitItem, key: tuple[str, ...]) -> int:
        """Whole seconds until a counter's window ends."""
        return max(1, math.ceil(self.counter.get_window_stats(limit, *key).reset_time - time.time()))


def client_address(remote_addr: str | None) -> str:
    """What attempts are counted by: an IPv4 address, or the /64 network of an IPv6 address."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return remote_addr or "unknown"
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(address) >> IPV6_PREFIX << IPV6_PREFIX, IPV6_PREFIX)).network_address)
