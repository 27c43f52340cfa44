"""Benchmarks: run them with ``bash bench/run.sh`` (``make bench``); see bench/README.md."""
