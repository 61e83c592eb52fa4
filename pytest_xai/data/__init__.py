"""Benchmark data: image sets with boxes (generated, or read from local files)."""
