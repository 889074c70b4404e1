"""The clustering's cores: fits side by side, each on one OpenMP thread."""

from __future__ import annotations

import os
import threading

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from segmentation.clustering import SegmentationConfig
from segmentation.clustering.algorithms import clustering_cores, side_by_side


def _openmp_threads() -> list[int]:
    """OpenMP's thread count as the calling thread sees it, per OpenMP runtime loaded."""
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"]


def test_side_by_side_gives_what_a_loop_gives_in_order():
    items = list(range(20))
    assert side_by_side(lambda x: x * x, items, 3) == [x * x for x in items]
    assert side_by_side(lambda x: x * x, items, 1) == [x * x for x in items]
    assert side_by_side(lambda x: x, [], 2) == []


def test_side_by_side_runs_on_worker_threads_only_when_allowed_more_than_one():
    def thread_name(_: int) -> str:
        return threading.current_thread().name

    main = threading.current_thread().name
    assert set(side_by_side(thread_name, [1, 2, 3], 1)) == {main}
    assert main not in set(side_by_side(thread_name, [1, 2, 3], 2))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores")
def test_each_worker_fits_with_one_openmp_thread():
    if not _openmp_threads():
        pytest.skip("no OpenMP runtime loaded")
    seen: list[int] = []

    def plain_thread() -> None:
        seen.extend(_openmp_threads())

    with threadpool_limits(limits=1):
        # a thread started without the worker's set-up sees every core again
        thread = threading.Thread(target=plain_thread)
        thread.start()
        thread.join()
        assert max(seen) > 1
        in_workers = side_by_side(lambda _: _openmp_threads(), list(range(4)), 2)
    assert all(counts and max(counts) == 1 for counts in in_workers)


def test_clustering_cores_is_n_threads_else_every_core():
    assert clustering_cores(SegmentationConfig(n_threads=3)) == 3
    assert clustering_cores(SegmentationConfig()) == len(os.sched_getaffinity(0))
