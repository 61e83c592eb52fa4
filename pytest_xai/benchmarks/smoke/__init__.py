"""The `smoke` benchmark: see ``benchmark.py``."""
