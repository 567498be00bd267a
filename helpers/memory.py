"""Memory: measure the peak memory of a block of code, on a GPU or on a CPU.

- On CUDA the peak is PyTorch's allocator high-water mark (``torch.cuda.max_memory_allocated``), reset
  when the block starts: weights already on the GPU count, since they occupy memory during the block.
- On a CPU it is the peak *resident set size* (RSS) of this process during the block: a background
  thread samples the RSS every few milliseconds, and the kernel's own lifetime peak
  (``getrusage``'s ``ru_maxrss``) is used when the block raised it, so a short spike is not missed.
  We never reset the kernel's counter (``/proc/self/clear_refs``): other tools read it.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import torch

GB = 1e9


def _rss_bytes() -> int:
    """Current resident set size of this process in bytes (0 where it cannot be read)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except Exception:  # noqa: BLE001 - no psutil, or a platform it does not support
        return 0


def _max_rss_bytes() -> int:
    """The kernel's lifetime peak RSS of this process in bytes (0 where unavailable)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux


@dataclass
class PeakMemory:
    """Context manager: ``with PeakMemory(device) as peak: ...`` then ``peak.gb`` and ``peak.kind``.

    ``interval_s`` is the RSS sampling period on a CPU.
    """

    device: torch.device | str = "cpu"
    interval_s: float = 0.002
    peak_bytes: int = 0
    kind: str = ""

    def __post_init__(self) -> None:
        self.device = torch.device(self.device)
        if self.interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {self.interval_s}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lifetime_before = 0

    @property
    def gb(self) -> float:
        """The peak in GB (10^9 bytes)."""
        return self.peak_bytes / GB

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _rss_bytes())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            self.kind = "GPU peak (torch.cuda.max_memory_allocated)"
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            return self
        self.kind = "process RSS peak"
        self._lifetime_before = _max_rss_bytes()
        self.peak_bytes = _rss_bytes()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_bytes = int(torch.cuda.max_memory_allocated(self.device))
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_bytes = max(self.peak_bytes, _rss_bytes())
        lifetime_after = _max_rss_bytes()
        if lifetime_after > self._lifetime_before:  # the block set a new lifetime peak: that is exact
            self.peak_bytes = max(self.peak_bytes, lifetime_after)
