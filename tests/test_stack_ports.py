"""Free ports for the test servers (bench/stack.py): under pytest-xdist each worker has a range of its own,
so two workers never start servers on the same port; no port is handed out twice by one process."""
from __future__ import annotations

import socket

from bench.stack import WORKER_PORTS, free_port


def test_each_worker_draws_from_its_own_range_and_never_the_same_port_twice(monkeypatch):
    ranges = {}
    for worker in ("gw0", "gw1", "gw3"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        ports = [free_port() for _ in range(40)]
        assert len(set(ports)) == len(ports)
        start = 20000 + int(worker[2:]) * WORKER_PORTS
        assert all(start <= port < start + WORKER_PORTS for port in ports)
        ranges[worker] = set(ports)
    assert not ranges["gw0"] & ranges["gw1"]


def test_a_port_in_use_is_never_handed_out(monkeypatch):
    import bench.stack

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    start = 20000 + 2 * WORKER_PORTS
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        in_use = busy.getsockname()[1]
        candidates = iter([in_use, in_use, start + 7, start + 8, start + 9])
        monkeypatch.setattr(bench.stack.random, "randrange", lambda low, high: next(candidates))
        port = free_port()
    assert port != in_use and start + 7 <= port <= start + 9


def test_outside_pytest_xdist_the_kernel_chooses(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # free

