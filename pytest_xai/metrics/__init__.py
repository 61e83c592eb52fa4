"""Evaluation metrics of saliency maps: the paper's four (Nourelahi et al. 2022, Sec. 2.4),
the concentration of Wang et al. 2021 and the model randomization test of Adebayo et al. 2018."""

from .base import Metric
from .causal import Deletion, Insertion
from .concentration import Concentration
from .localization import WSL, PointingGame
from .sanity import ModelRandomization

ALL_METRICS = (PointingGame, WSL, Insertion, Deletion, Concentration, ModelRandomization)

__all__ = ["ALL_METRICS", "Concentration", "Deletion", "Insertion", "Metric", "ModelRandomization", "PointingGame",
           "WSL"]
