"""How a memory budget (``--xai-batch-memory``) sets batch sizes: from what one pass of a
model holds per input image, measured once per model and kept in the score store.

Every method's and metric's ``batch_size`` counts the network inputs of one forward (EP's
counts images, each of which puts one masked copy per area in a forward); a budget
replaces the fixed sizes with ``budget // bytes per input``, so that a GPU's memory, not
a number chosen for a CPU, decides how many inputs a forward holds."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import torch
    from torch import nn


def pass_bytes_per_input(net: "nn.Module", input_shape: Sequence[int], device: "torch.device") -> int:
    """Bytes a forward and backward pass of ``net`` holds per input of ``input_shape``
    ([C, H, W]): the storages autograd saves for the backward, counted by its
    saved-tensor hooks at a batch of 2 minus a batch of 1 (the weights it saves cancel),
    and as much again for their gradients during the backward. A no-grad forward holds
    less, so the figure errs on the safe side for the metrics that make one."""
    import torch

    def saved_bytes(batch: int) -> int:
        storages: dict[int, int] = {}

        def pack(tensor: "torch.Tensor") -> "torch.Tensor":
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
            return tensor

        inputs = torch.zeros(batch, *input_shape, device=device, requires_grad=True)
        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            net(inputs)
        return sum(storages.values())

    input_bytes = 4 * math.prod(input_shape)      # float32
    return 2 * max(saved_bytes(2) - saved_bytes(1), input_bytes)


def inputs_per_pass(budget: int, bytes_per_input: int) -> int:
    """How many inputs a forward may hold within ``budget`` bytes (at least one)."""
    return max(1, budget // bytes_per_input)
