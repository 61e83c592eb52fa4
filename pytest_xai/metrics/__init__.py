"""Evaluation metrics of saliency maps (Nourelahi et al. 2022, Sec. 2.4)."""

from .base import Metric
from .causal import Deletion, Insertion
from .localization import WSL, PointingGame

ALL_METRICS = (PointingGame, WSL, Insertion, Deletion)

__all__ = ["ALL_METRICS", "Deletion", "Insertion", "Metric", "PointingGame", "WSL"]
