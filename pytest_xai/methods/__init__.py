"""Attribution methods, one module per group (gradient, cam, perturbation)."""

from pytest_xai.methods.base import FunctionMethod, Method
from pytest_xai.methods.cam import GradCAM
from pytest_xai.methods.gradient import Gradient

BUILTIN_METHODS: tuple[type[Method], ...] = (Gradient, GradCAM)

__all__ = ["BUILTIN_METHODS", "FunctionMethod", "GradCAM", "Gradient", "Method"]
