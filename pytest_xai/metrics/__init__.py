"""Evaluation metrics of saliency maps: the paper's four (Nourelahi et al. 2022, Sec. 2.4),
the concentration and boundary alignment of Wang et al. 2021, the interpretation discrepancy under attack of
Boopathy et al. 2020 and the model randomization test of Adebayo et al. 2018."""

from .attack import AttackDiscrepancyL1, AttackSuccess, AttackTopK
from .base import Metric
from .boundary import BoundaryAlignment
from .causal import Deletion, Insertion
from .concentration import Concentration
from .localization import WSL, PointingGame
from .sanity import ModelRandomization

ALL_METRICS = (PointingGame, WSL, Insertion, Deletion, Concentration, BoundaryAlignment, AttackDiscrepancyL1, AttackTopK,
               AttackSuccess, ModelRandomization)

__all__ = ["ALL_METRICS", "AttackDiscrepancyL1", "AttackSuccess", "AttackTopK", "BoundaryAlignment", "Concentration", "Deletion",
           "Insertion", "Metric", "ModelRandomization", "PointingGame", "WSL"]
