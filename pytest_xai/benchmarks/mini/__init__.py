"""The `mini` benchmark: see ``benchmark.py``."""
