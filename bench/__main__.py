"""Run every benchmark module in this folder (bench/*_bench.py), each with its default settings.

    python -m bench [--only search,reports] [--quick]

`--quick` is passed on to modules that accept it (smaller sizes, for a smoke run).
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    return sorted(p.stem for p in Path(__file__).resolve().parent.glob("*_bench.py"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run Navigator's benchmarks")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. search,reports")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    status = 0
    for name in discover():
        if wanted and name.removesuffix("_bench") not in wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        runner = getattr(module, "main", None)
        if runner is None:
            continue
        print(f"\n######## {name} ########", flush=True)
        started = time.perf_counter()
        bench_args: list[str] = []
        if args.quick and "--quick" in inspect.getsource(module):
            bench_args.append("--quick")
        try:
            result = runner(bench_args)
        except SystemExit as exc:
            result = exc.code
        status = status or (result or 0)
        print(f"######## {name} finished in {time.perf_counter() - started:.0f}s ########", flush=True)
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
