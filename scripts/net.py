"""Loopback helpers for servers that tests and benchmarks start: a free port, and waiting until one answers."""
from __future__ import annotations

import socket
import subprocess
import time

import requests


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    """Wait until a URL that a process serves answers 200; fail at once if the process ends."""
    deadline = time.monotonic() + seconds
    while not _answers(url):
        if process.poll() is not None:
            raise RuntimeError(f"the server of {url} ended (exit code {process.returncode})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {seconds} s")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    """True when a GET of the URL answers 200."""
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False
