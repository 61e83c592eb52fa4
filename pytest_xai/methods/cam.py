"""CAM-based methods: GradCAM (Selvaraju et al. 2017) via pytorch-grad-cam, and CAM
(Zhou et al. 2016), our code: a weighted sum of activations, which grad-cam does not offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import LoadedModel, ModelSpec


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


@dataclass(frozen=True)
class CAM(Method):
    """Class Activation Mapping (Zhou et al. 2016), our code (a matrix product; grad-cam
    has no plain CAM): the CAM layer's activations weighted by the target's row of the
    final linear layer, no ReLU, min-max scaled to [0, 1] per image and then upsampled
    bilinearly to the input, as Zhou et al.'s ``returnCAM`` (zhoubolei/CAM
    ``pytorch_CAM.py``).

    The linear layer is the network's last ``nn.Linear`` module. Defined only for
    ``gap_head`` models; ``explain`` checks that the logits equal that layer applied to
    the globally averaged activations and raises otherwise (a wrong ``gap_head``).
    """

    name: ClassVar[str] = "cam"
    group: ClassVar[str] = "cam"

    def applies_to(self, spec: "ModelSpec") -> str | None:
        if spec.cam_layer is None:
            return f"model {spec.name!r} registers no CAM layer (ModelSpec.cam_layer)"
        if not spec.gap_head:
            return (f"model {spec.name!r} has no global-average-pooling + linear head "
                    "(ModelSpec.gap_head); CAM is defined only for such heads")
        return None

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch
        import torch.nn.functional as F
        from torch import nn

        assert model.spec.cam_layer is not None
        linears = [m for m in model.net.modules() if isinstance(m, nn.Linear)]
        if not linears:
            raise ValueError(f"CAM: model {model.spec.name!r} has no nn.Linear layer")
        fc = linears[-1]
        captured: list[torch.Tensor] = []
        handle = model.layer(model.spec.cam_layer).register_forward_hook(lambda m, i, out: captured.append(out))
        try:
            with torch.no_grad():
                logits = model(images)
                features = captured[-1]
                gap_logits = fc(features.mean(dim=(2, 3)))
                cams = torch.einsum("bc,bchw->bhw", fc.weight[targets], features)
        finally:
            handle.remove()
        if not torch.allclose(gap_logits, logits, rtol=1e-3, atol=1e-4):
            raise ValueError(f"CAM: the logits of model {model.spec.name!r} are not its last nn.Linear applied "
                             f"to the global average of {model.spec.cam_layer!r}; is gap_head right?")
        low = cams.amin(dim=(1, 2), keepdim=True)
        cams = (cams - low) / (cams.amax(dim=(1, 2), keepdim=True) - low).clamp_min(1e-12)
        return F.interpolate(cams[:, None], size=images.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
