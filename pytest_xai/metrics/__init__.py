"""Evaluation metrics of saliency maps: the paper's four (Nourelahi et al. 2022, Sec. 2.4),
the concentration and boundary alignment of Wang et al. 2021, the interpretation discrepancy under attack of
Boopathy et al. 2020, the model randomization test of Adebayo et al. 2018 and the class
images of Boychev 2023."""

from .attack import AttackDiscrepancyL1, AttackSuccess, AttackTopK
from .base import Metric
from .boundary import BoundaryAlignment
from .causal import Deletion, Insertion
from .concentration import Concentration
from .localization import WSL, PointingGame
from .sanity import ModelRandomization
from .synthesis import ClassImageAccuracy

ALL_METRICS = (PointingGame, WSL, Insertion, Deletion, Concentration, BoundaryAlignment, AttackDiscrepancyL1, AttackTopK,
               AttackSuccess, ModelRandomization, ClassImageAccuracy)

__all__ = ["ALL_METRICS", "AttackDiscrepancyL1", "AttackSuccess", "AttackTopK", "BoundaryAlignment", "ClassImageAccuracy", "Concentration", "Deletion",
           "Insertion", "Metric", "ModelRandomization", "PointingGame", "WSL"]
