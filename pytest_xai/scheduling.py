"""xdist scheduling that keeps each model's cells on one worker under ``--dist loadgroup``.

The cells carry ``xdist_group(model)`` marks, but xdist 3.8's loadgroup scheduler reads
the group from a ``@group`` suffix that its workers write into ``item._nodeid``, and with
pytest >= 9.2 the node ids the workers report no longer carry it, so every cell became
its own group and one model's cells spread over all workers (each worker then loaded
the model and waited on the other's map locks). This scheduler finds the group itself:
from the suffix when it is there, else from the cell's parameter id, which the
controller knows from its own grid.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadGroupScheduling


class ModelGroupScheduling(LoadGroupScheduling):
    """LoadGroupScheduling whose groups are the models of the grid's cells."""

    def __init__(self, config: Any, log: Any, model_of_cell: dict[str, str]) -> None:
        super().__init__(config, log)
        self.model_of_cell = model_of_cell

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.rfind("@") > nodeid.rfind("]"):       # xdist's own group suffix survived
            return super()._split_scope(nodeid)
        if nodeid.endswith("]"):
            model = self.model_of_cell.get(nodeid[nodeid.rfind("[") + 1:-1])
            if model is not None:
                return f"xai-model:{model}"
        return super()._split_scope(nodeid)
