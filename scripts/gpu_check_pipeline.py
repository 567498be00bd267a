"""GPU check of helpers.pipeline: the shipped tiny model (and each tiny family) in fp32 and fp16 on CUDA.

    python -m scripts.gpu_check_pipeline            # prints one line per run; exits 1 if any run failed

For the issue's closing note: load time, clip time and peak GPU memory per dtype. Run the helper tests
and notebook 07 on the same machine with
    pytest tests/test_pipeline.py tests/test_tiny_pipelines.py tests/test_memory.py
    CI=true pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/07_pretrained_pipeline.ipynb
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

from helpers.pipeline import TINY_T2V, generate, load_pipeline
from helpers.tiny_pipelines import FAMILIES, build_tiny


def run(path, dtype: torch.dtype, request: dict) -> str:
    """Load ``path`` on CUDA in ``dtype``, generate once (after a warm-up), report the figures."""
    start = time.perf_counter()
    pipe = load_pipeline(path, device="cuda", dtype=dtype, progress=False)
    load_s = time.perf_counter() - start
    generate(pipe, "a red circle moving left", steps=2, progress=False, **request)  # warm-up (kernels, allocator)
    result = generate(pipe, "a red circle moving left", seed=0, progress=False, **request)
    finite = bool(torch.isfinite(torch.from_numpy(result.clip)).all())
    return (f"{Path(path).name:10s} {str(dtype):14s} load {load_s:5.2f} s  clip {result.seconds:6.3f} s  "
            f"{result.memory_kind} {result.peak_gb:.3f} GB  shape {result.clip.shape}  finite {finite}")


def main() -> int:
    """Run every check; print a line each; 1 if any failed."""
    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to check")
        return 1
    print(torch.cuda.get_device_name(0))
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        targets = [(TINY_T2V, {})] if (TINY_T2V / "model_index.json").exists() else []
        targets += [(build_tiny(family, Path(folder) / family), request) for family, (_, request) in FAMILIES.items()]
        for path, request in targets:
            for dtype in (torch.float32, torch.float16):
                try:
                    print(run(path, dtype, request), flush=True)
                except Exception as error:  # noqa: BLE001 - report every failure, keep going
                    failed += 1
                    print(f"{Path(path).name:10s} {str(dtype):14s} FAILED {type(error).__name__}: {error}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
