"""pytest-xai: attribution methods (saliency maps) evaluated as a pytest test suite."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pytest-xai")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
