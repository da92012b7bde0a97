"""Benchmarks (`python -m bench` runs every bench/*_bench.py); they print figures, never assert."""
