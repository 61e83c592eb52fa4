"""The installed pytest-xai's version (part of every score-store key, so that a new release
does not reuse scores an old one computed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pytest-xai")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
