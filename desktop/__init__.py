"""Spendtrail: where did the money go? An offline viewer for LLM API call logs."""

import os

__version__ = "0.1.0"

# Spendtrail does no linear algebra: numpy's BLAS needs no thread per core, and
# starting them costs about 0.1 s of CPU on every launch. (Set before numpy loads;
# a value the user set is kept.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
