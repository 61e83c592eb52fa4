"""CAM-based methods: GradCAM (Selvaraju et al. 2017), via pytorch-grad-cam."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method

if TYPE_CHECKING:
    import torch

    from pytest_xai.models.spec import LoadedModel, ModelSpec


@dataclass(frozen=True)
class GradCAM(Method):
    """grad-cam's ``GradCAM`` on the model's registered CAM layer: ReLU of the
    channel-weighted activations (weights = mean gradient per channel), upsampled
    to the input and min-max scaled to [0, 1] per image by the library."""

    name: ClassVar[str] = "gradcam"
    group: ClassVar[str] = "cam"

    def applies_to(self, spec: "ModelSpec") -> str | None:
        if spec.cam_layer is None:
            return f"model {spec.name!r} registers no CAM layer (ModelSpec.cam_layer)"
        return None

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch
        from pytorch_grad_cam import GradCAM as LibGradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

        assert model.spec.cam_layer is not None
        layer = model.layer(model.spec.cam_layer)
        # The context manager releases the library's hooks on the model.
        with torch.enable_grad(), LibGradCAM(model=model.net, target_layers=[layer]) as cam:
            maps = cam(input_tensor=images, targets=[ClassifierOutputTarget(int(t)) for t in targets])
        return torch.from_numpy(maps).to(images.device)
