"""Benchmark harness: see docs/performance.md and `make bench`."""
