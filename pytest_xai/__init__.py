"""pytest-xai: attribution methods (saliency maps) evaluated as a pytest test suite."""

from pytest_xai.version import __version__ as __version__  # re-exported


_API = ("evaluate", "list_models", "load_images", "load_model", "read_report")


def __getattr__(name: str):
    """The notebook API (``pytest_xai.api``), imported on first use so that the plugin stays light."""
    if name in _API:
        from pytest_xai import api

        return getattr(api, name)
    raise AttributeError(f"module 'pytest_xai' has no attribute {name!r}")
