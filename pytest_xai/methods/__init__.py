"""Attribution methods, one module per group (gradient, cam, perturbation)."""

from pytest_xai.methods.base import FunctionMethod, Method
from pytest_xai.methods.cam import CAM, GradCAM
from pytest_xai.methods.gradient import AGI, SHAP, BoundaryIG, Gradient, IntegratedGradients
from pytest_xai.methods.perturbation import LIME, RISE, ExtremalPerturbation, MeaningfulPerturbation

#: the paper's nine methods, in its order, then the boundary attributions BIG and AGI
BUILTIN_METHODS: tuple[type[Method], ...] = (Gradient, IntegratedGradients, SHAP, GradCAM, CAM, RISE, LIME,
                                             MeaningfulPerturbation, ExtremalPerturbation, BoundaryIG, AGI)

__all__ = ["AGI", "BUILTIN_METHODS", "CAM", "BoundaryIG", "LIME", "RISE", "SHAP", "ExtremalPerturbation", "FunctionMethod", "GradCAM",
           "Gradient", "IntegratedGradients", "MeaningfulPerturbation", "Method"]
