"""pytest-xai: attribution methods (saliency maps) evaluated as a pytest test suite."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pytest-xai")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"


_API = ("evaluate", "list_models", "load_images", "load_model", "read_report")


def __getattr__(name: str):
    """The notebook API (``pytest_xai.api``), imported on first use so that the plugin stays light."""
    if name in _API:
        from pytest_xai import api

        return getattr(api, name)
    raise AttributeError(f"module 'pytest_xai' has no attribute {name!r}")
