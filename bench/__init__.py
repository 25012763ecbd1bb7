"""Benchmarks of the polling path (see bench/README.md)."""
