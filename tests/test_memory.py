"""helpers.memory: the peak-memory meter sees an allocation made inside the block."""

import numpy as np
import pytest

from helpers.memory import PeakMemory


def test_cpu_peak_sees_a_short_allocation():
    with PeakMemory("cpu") as baseline:
        pass
    with PeakMemory("cpu") as peak:
        block = np.ones(200_000_000 // 8)  # 200 MB, touched, then freed
        del block
    assert peak.kind == "process RSS peak"
    assert peak.gb - baseline.gb > 0.15


def test_rejects_a_bad_interval():
    with pytest.raises(ValueError, match="interval_s must be > 0"):
        PeakMemory("cpu", interval_s=0)
