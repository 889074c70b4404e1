"""The benchmark's settings and targets, shared by its modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = PROJECT_ROOT / "bench"
BIN = Path(sys.executable).parent
GIB = 1 << 30
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

CONTENDERS: tuple[str, ...] = ("dbt", "pandas", "floor", "floor_loader")
FORMATS: tuple[str, ...] = ("csv", "parquet")
DEFAULT_SIZES = "0.5M,5M,50M"
SEED = 42
#: A run is flagged as disturbed when other work used more than this share of the
#: machine's CPU capacity while it ran.
DISTURBED_SHARE = 0.10
#: The machine counts as idle when other work uses less than this many cores.
IDLE_CORES = 0.25
#: ... averaged over this many seconds.
IDLE_WINDOW = 3.0
#: dbt models whose time is clustering (scikit-learn), not SQL.
CLUSTERING_MODELS = ("cluster_evaluation", "customer_segments", "pca_components")
RFM_MODEL = "model.customer_segmentation.customer_rfm"

# Targets (the issue "Scale: tens of millions of lines").
TARGET_LINES_MID = 5_000_000
TARGET_LINES_BIG = 50_000_000
TARGET_WALL_RATIO = 0.5
TARGET_MEMORY_RATIO = 0.5
TARGET_BIG_DBT_PEAK = 4 * GIB
TARGET_BIG_PANDAS_FACTOR = 3.0
TARGET_SQL_OVER_FLOOR = 2.0
