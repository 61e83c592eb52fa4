"""The `imagenet` benchmark: see ``benchmark.py``."""
