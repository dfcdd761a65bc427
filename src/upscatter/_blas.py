"""Matrix products on one BLAS thread.

The products of a profile are a few million multiply-adds each; a multi-threaded BLAS gains
nothing at that size on two cores and, on a busy machine, loses many times over (issue 18). The
limit is applied for the duration of one product only (threadpoolctl, about 10 us), so the
thread settings of a user's own process are left as they were.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_thread_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` computed with the BLAS libraries limited to one thread."""
    with _controller().limit(limits=1, user_api="blas"):
        return a @ b
