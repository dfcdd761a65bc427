"""Executors and checkpoints: every way of running a scan gives the serial result exactly, and a
killed scan resumes to the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from upscatter.checkpoint import Checkpoint, scan_digest
from upscatter.errors import ParameterError, UpscatterError
from upscatter.executors import run_jobs
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound

MASSES = {"m_chi": np.geomspace(0.5, 40.0, 8), "m_med": np.geomspace(5.0, 400.0, 8)}


def _square(offset, x):
    return offset + x * x


@pytest.fixture(scope="module")
def serial():
    return coupling_bound(get_experiment("coherent-csi-2017"), get_model("vector"), MASSES)


def test_run_jobs_orders_results_and_reports_each():
    seen = []
    out = run_jobs(_square, [(i,) for i in range(5)], "serial", lambda i, r: seen.append(i), (1,))
    assert out == [1, 2, 5, 10, 17] and seen == [0, 1, 2, 3, 4]
    with ThreadPoolExecutor(2) as pool:
        assert run_jobs(_square, [(3,), (4,)], pool, shared=(0,)) == [9, 16]


@pytest.mark.data
def test_process_pool_equals_serial(serial):
    pooled = coupling_bound(
        get_experiment("coherent-csi-2017"), get_model("vector"), MASSES, executor="process"
    )
    np.testing.assert_array_equal(pooled.bound, serial.bound)


@pytest.mark.data
def test_dask_local_cluster_equals_serial(serial):
    """A distributed.LocalCluster with one worker per core (2 here) gives the serial bounds."""
    pytest.importorskip("distributed")
    dask = coupling_bound(
        get_experiment("coherent-csi-2017"), get_model("vector"), MASSES, executor="dask"
    )
    np.testing.assert_array_equal(dask.bound, serial.bound)


def test_bad_executor_options():
    with pytest.raises(ParameterError, match="unknown executor"):
        run_jobs(_square, [], "threads")
    with pytest.raises(ParameterError, match="scheduler"):
        run_jobs(_square, [], "process", scheduler="tcp://localhost:8786")


def test_checkpoint_ignores_a_cut_line_and_refuses_another_scan(tmp_path: Path):
    path = tmp_path / "scan.ckpt"
    digest = scan_digest({"a": 1}, {"m": np.arange(3.0)})
    store = Checkpoint(path, digest)
    store.record([0, 2], [[1.5], [2.5]])
    with path.open("a") as handle:
        handle.write('{"points": [1], "val')  # as a kill mid-write leaves it
    assert Checkpoint(path, digest).done == {0: [1.5], 2: [2.5]}
    other = scan_digest({"a": 1}, {"m": np.arange(4.0)})
    with pytest.raises(UpscatterError, match="another scan"):
        Checkpoint(path, other)


SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from upscatter.experiments import get_experiment
    from upscatter.models import get_model
    from upscatter.scans import coupling_bound
    masses = {"m_chi": np.geomspace(0.5, 40.0, 60), "m_med": np.geomspace(5.0, 400.0, 60)}
    coupling_bound(get_experiment("coherent-csi-2017"), get_model("vector"), masses,
                   checkpoint=sys.argv[1], progress=lambda done, total: time.sleep(0.1))
    """
)


@pytest.mark.data
def test_killed_scan_resumes_to_the_uninterrupted_result(tmp_path: Path):
    """SIGKILL a scan once its checkpoint holds some points; resuming computes only the rest and
    equals an uninterrupted run exactly."""
    path = tmp_path / "scan.ckpt"
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)], env=os.environ.copy())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) > 10:
            break
        if process.poll() is not None:
            pytest.fail("the scan finished before it could be killed")
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = [
        json.loads(line) for line in path.read_text().splitlines()[1:] if line.endswith("}")
    ]
    assert 0 < len(finished) < 60
    masses = {"m_chi": np.geomspace(0.5, 40.0, 60), "m_med": np.geomspace(5.0, 400.0, 60)}
    calls = []
    exp, model = get_experiment("coherent-csi-2017"), get_model("vector")
    resumed = coupling_bound(
        exp, model, masses, checkpoint=path, progress=lambda d, t: calls.append(d)
    )
    fresh = coupling_bound(exp, model, masses)
    np.testing.assert_array_equal(resumed.bound, fresh.bound)
    assert calls[0] >= len(finished)  # the finished points were not recomputed


def test_blas_is_single_threaded_unless_the_user_chose(tmp_path: Path):
    """single_thread_blas limits BLAS to one thread in this process and in process-pool
    workers, and leaves it alone when OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS...) is set.
    Run in subprocesses so that the test process keeps its own settings."""
    import os
    import subprocess
    import sys

    script = (
        "import numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "from upscatter.executors import run_jobs, single_thread_blas\n"
        "def blas():\n"
        "    info = threadpool_info()\n"
        "    return sorted({i['num_threads'] for i in info if i['user_api'] == 'blas'})\n"
        "def job(_):\n"
        "    return blas()\n"
        "if __name__ == '__main__':\n"
        "    applied = single_thread_blas()\n"
        "    print(applied, blas(), run_jobs(job, [(0,)], 'process')[0])\n"
    )
    path = tmp_path / "blas.py"
    path.write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, str(path)], env=env, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=1)
    assert out[0] == "True"
    assert out[1].strip() == "[1] [1]"
    env["OPENBLAS_NUM_THREADS"] = "2"
    out = subprocess.run(
        [sys.executable, str(path)], env=env, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=1)
    assert out[0] == "False"
