"""Time the whole clustering step on planted customers, so the figures can be repeated.

    python -m segmentation.clustering.benchmark --customers 1000000 --algorithm kmeans --threads 0

Prints each step's progress message with the elapsed time, then the total, the
selected k and how well the planted types were recovered (adjusted Rand index).
"""

from __future__ import annotations

import argparse
import time

from sklearn.metrics import adjusted_rand_score

from .config import ALGORITHMS, SegmentationConfig
from .pipeline import run_segmentation
from .planted import make_planted_rfm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--algorithm", choices=ALGORITHMS, default="kmeans")
    parser.add_argument("--random-state", type=int, default=0, help="seed of the planted data")
    parser.add_argument(
        "--threads", type=int, default=0, help="cluster_n_threads: cores to use; 0 = all (default)"
    )
    args = parser.parse_args(argv)

    rfm, truth = make_planted_rfm(args.customers, random_state=args.random_state)
    start = time.perf_counter()
    result = run_segmentation(
        rfm,
        SegmentationConfig(algorithm=args.algorithm, n_threads=args.threads or None),
        log=lambda message: print(f"{time.perf_counter() - start:8.1f} s  {message}", flush=True),
    )
    elapsed = time.perf_counter() - start
    found = result.segments.set_index("customer_id").loc[rfm["customer_id"], "cluster_id"]
    print(
        f"{args.customers:,} customers, {args.algorithm}, {args.threads or 'all'} core(s): "
        f"{elapsed:.1f} s; "
        f"k = {result.k}; ARI vs planted types = {adjusted_rand_score(truth, found):.3f}"
    )


if __name__ == "__main__":
    main()
