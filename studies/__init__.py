"""Measurement scripts behind the numbers in docs/: each is run as ``python -m studies.NAME``
from the repository root, and its docstring says what it prints and which table it backs."""
