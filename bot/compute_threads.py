"""One BLAS thread per server process (the Rasa server; the actions server loads no numpy).

A Rasa server answers many residents at once on a few cores. OpenBLAS (under numpy and
scipy) splits a large enough product, such as a ranking's word-vector product, across its own worker
threads, and those threads then spin-wait for the next product. On the 2-core machine at 20 residents
that kept a second core busy: the whole machine's CPU was 90% busy and the reply time p50 170 ms; with
one BLAS thread 43% and 111 ms (bench.load, 7 Dec 2026). Concurrency comes from the residents, not
from splitting one small product. scripts/run and scripts/run-production also set OPENBLAS_NUM_THREADS=1
before Python starts; this call covers any other launcher (an image, a test, a benchmark).
"""
from __future__ import annotations

from typing import Any

_limit: Any = None  # the process-wide limit, kept so that it is not undone when collected


def one_blas_thread() -> None:
    """Limit every BLAS library loaded in this process to one thread (call once numpy and scipy are in)."""
    global _limit
    import numpy  # noqa: F401 - loads numpy's OpenBLAS, so that the limit reaches it
    import scipy.linalg  # noqa: F401 - and scipy's own
    from threadpoolctl import threadpool_limits

    _limit = threadpool_limits(limits=1, user_api="blas")
