"""Split one compiled kernel call across threads: the kernels are `nogil`, so plain Python threads run them in parallel.

    parallel_chunks(kernel_fn, arrays...)   # kernel_fn(*[a[lo:hi] for a in arrays]) on disjoint row ranges

Why threads and not numba's ``parallel=True``: numba's default (workqueue) threading layer aborts the process when
two Python threads enter parallel code at once, and the others need TBB or OpenMP at run time. A small persistent
pool has no such trap, keeps the kernels' cached machine code serial and simple, and its results do not depend on
the thread count: every chunk computes exactly what the serial loop would for its rows.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["parallel_chunks", "MIN_ROWS_PER_THREAD"]

MIN_ROWS_PER_THREAD = 1 << 15  # below this a thread hand-off (~20 us) costs more than it saves

_pool = {"size": 0, "executor": None}
_lock = threading.Lock()


def _forget_pool():
    # a forked child inherits the pool object but not its threads: it must start its own
    global _lock
    _pool["size"], _pool["executor"] = 0, None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pool)


def _threads():
    import probtorch  # the thread count is a user setting (probtorch.set_num_threads)
    return probtorch.get_num_threads()


def _executor(workers):
    with _lock:
        if _pool["size"] != workers:
            old = _pool["executor"]
            _pool["executor"] = ThreadPoolExecutor(workers, thread_name_prefix="probtorch-kernel")
            _pool["size"] = workers
            if old is not None:
                old.shutdown(wait=False)
        return _pool["executor"]


def parallel_chunks(kernel_fn, *arrays, min_rows=MIN_ROWS_PER_THREAD):
    """Run ``kernel_fn`` on row ranges of ``arrays`` (all with the same leading length), one range per thread.

    ``min_rows``: the fewest rows worth a thread of their own (lower it for kernels costly per row).
    The calling thread runs the first range itself; the call returns when every range is done, with the list of
    the ranges' return values in order, and re-raises the first error.
    """
    n = len(arrays[0])
    parts = min(_threads(), n // max(min_rows, 1))
    if parts <= 1:
        return [kernel_fn(*arrays)]
    bounds = [n * k // parts for k in range(parts + 1)]
    pool = _executor(parts - 1)
    futures = [pool.submit(kernel_fn, *[a[lo:hi] for a in arrays]) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    try:
        first = kernel_fn(*[a[:bounds[1]] for a in arrays])
    finally:
        rest = [f.result() for f in futures]
    return [first] + rest
