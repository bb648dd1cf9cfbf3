"""Benchmarks (run as scripts or modules)."""
