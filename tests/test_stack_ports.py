"""Free ports for the test servers (bench/stack.py): under pytest-xdist each worker has a share of its own
of the port range, so two workers never start servers on the same port; no process hands out a port twice."""
from __future__ import annotations

import socket

import pytest

from bench.stack import free_port, worker_ports


@pytest.mark.parametrize("count", [2, 4, 8])
def test_each_worker_draws_from_its_own_share_and_never_the_same_port_twice(monkeypatch, count):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
    drawn = {}
    for index in range(count):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{index}")
        start, end = worker_ports()
        ports = [free_port() for _ in range(20)]
        assert len(set(ports)) == len(ports) and all(start <= port < end for port in ports)
        drawn[index] = (start, end)
    shares = sorted(drawn.values())
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(shares, shares[1:]))  # no two overlap


def test_a_worker_beyond_the_count_and_a_run_without_workers_leave_the_choice_to_the_kernel(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")  # started again after a crash
    assert worker_ports() is None
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_ports() is None
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # free


def test_a_port_in_use_is_never_handed_out(monkeypatch):
    import bench.stack

    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    start, _ = worker_ports()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        in_use = busy.getsockname()[1]
        candidates = iter([in_use, in_use, start + 7, start + 8, start + 9])
        monkeypatch.setattr(bench.stack.random, "randrange", lambda low, high: next(candidates))
        port = free_port()
    assert port != in_use and start + 7 <= port <= start + 9
