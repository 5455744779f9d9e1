"""Benchmarks of rustest, runnable with asv or as scripts (``python -m benchmarks.bench_planner``)."""

__all__: list[str] = []
