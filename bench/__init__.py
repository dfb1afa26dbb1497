"""Storehouse benchmarks: `make bench` runs every section, writing bench/results.json and RESULTS.md."""
