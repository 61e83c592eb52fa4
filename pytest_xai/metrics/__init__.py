"""Evaluation metrics of saliency maps: the paper's four (Nourelahi et al. 2022, Sec. 2.4)
and the concentration of Wang et al. 2021."""

from .base import Metric
from .causal import Deletion, Insertion
from .concentration import Concentration
from .localization import WSL, PointingGame

ALL_METRICS = (PointingGame, WSL, Insertion, Deletion, Concentration)

__all__ = ["ALL_METRICS", "Concentration", "Deletion", "Insertion", "Metric", "PointingGame", "WSL"]
