"""Where independent jobs run: in this process, a local process pool, or a Dask cluster.

:func:`run_jobs` maps a picklable function over a list of jobs and hands every result to a
callback as soon as it is done (so a scan can checkpoint and report progress), whatever the
executor:

* ``"serial"``: in this process, in order;
* ``"process"``: a :class:`concurrent.futures.ProcessPoolExecutor` with one worker per core
  (or any :class:`concurrent.futures.Executor` passed in);
* ``"dask"``: a ``distributed.LocalCluster`` on this machine (one single-threaded worker per
  core), or an existing cluster with ``scheduler="tcp://host:8786"`` (a ``dask-jobqueue``
  cluster's address, for example). Large shared inputs are scattered to the workers once.

Dask is optional (``pip install 'upscatter[dask]'``); asking for it without it installed is a
clear error.

BLAS threads: the products of a scan are small, and a multi-threaded BLAS on a busy machine
makes them many times slower (issue 18: ``leggauss(256)`` 150x), so the workers of the process
pool and the ``upscatter`` command call :func:`single_thread_blas` at start. It does nothing if
the user has chosen a thread count through ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` or ``BLIS_NUM_THREADS``; library calls in a user's own process are never
changed (use ``threadpoolctl.threadpool_limits(1, "blas")`` there if wanted).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Any

from .errors import ParameterError

EXECUTORS = ("serial", "process", "dask")

THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
"""Environment variables through which a user sets the BLAS thread count (then respected)."""


def single_thread_blas() -> bool:
    """Limit the BLAS libraries loaded in this process to one thread (threadpoolctl).

    Skipped, returning False, when any of :data:`THREAD_ENV` is set: the user's choice wins.
    Returns True when the limit was applied.
    """
    if any(os.environ.get(name) for name in THREAD_ENV):
        return False
    import numpy  # noqa: F401  (threadpoolctl limits the libraries loaded so far)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    return True


def worker_count() -> int:
    """Cores available to this process (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def check_executor(executor: str | Executor, scheduler: str | None = None) -> None:
    """Raise a ParameterError unless ``executor`` (and ``scheduler``) can be used."""
    if isinstance(executor, Executor):
        return
    if executor not in EXECUTORS:
        raise ParameterError(
            f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)} or a "
            "concurrent.futures.Executor"
        )
    if scheduler is not None and executor != "dask":
        raise ParameterError("a scheduler address only applies to the dask executor")
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise ParameterError(
                "the dask executor needs dask and distributed: pip install 'upscatter[dask]'"
            ) from exc


def run_jobs(
    function: Callable[..., Any],
    jobs: Sequence[tuple],
    executor: str | Executor = "serial",
    on_result: Callable[[int, Any], None] | None = None,
    shared: tuple = (),
    scheduler: str | None = None,
) -> list:
    """``[function(*shared, *job) for job in jobs]``, computed by ``executor``.

    Parameters
    ----------
    function : callable
        A module-level (picklable) function.
    jobs : sequence of tuple
        Arguments of each call after ``shared``.
    executor : {"serial", "process", "dask"} or concurrent.futures.Executor
    on_result : callable, optional
        Called as ``on_result(index, result)`` in this process as each job finishes.
    shared : tuple
        Leading arguments common to every job (sent once to each Dask worker).
    scheduler : str, optional
        Address of an existing Dask scheduler (``executor="dask"`` only).

    Returns
    -------
    list
        The results in the order of ``jobs``.
    """
    check_executor(executor, scheduler)
    results: list = [None] * len(jobs)

    def done(index: int, value) -> None:
        results[index] = value
        if on_result is not None:
            on_result(index, value)

    if executor == "serial":
        for index, job in enumerate(jobs):
            done(index, function(*shared, *job))
        return results
    if executor == "dask":
        _run_dask(function, jobs, shared, scheduler, done)
        return results
    owned = executor == "process"
    pool = (
        ProcessPoolExecutor(max_workers=worker_count(), initializer=single_thread_blas)
        if owned
        else executor
    )
    try:
        futures = {pool.submit(function, *shared, *job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            done(futures[future], future.result())
    finally:
        if owned:
            pool.shutdown(cancel_futures=True)
    return results


def _run_dask(function, jobs, shared, scheduler, done) -> None:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=worker_count(), threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        scattered = client.scatter(list(shared), broadcast=True) if shared else []
        futures = [client.submit(function, *scattered, *job, pure=False) for job in jobs]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):
            done(index[future.key], future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
