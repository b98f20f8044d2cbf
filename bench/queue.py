"""``python bench/queue.py``: the work-queue benchmark (the code is ``work_queue.py``).

Python puts a script's folder first on the import path, so while any benchmark in
bench/ runs, ``import queue`` anywhere (concurrent.futures, multiprocessing, logging
handlers ...) finds this file instead of the standard library's module. Imported, it
therefore hands over the real one; run, it runs the benchmark.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    import runpy

    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    runpy.run_path(str(HERE / "work_queue.py"), run_name="__main__")
else:
    import importlib

    _path = sys.path[:]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    del sys.modules[__name__]
    try:
        sys.modules[__name__] = importlib.import_module("queue")
    finally:
        sys.path[:] = _path
