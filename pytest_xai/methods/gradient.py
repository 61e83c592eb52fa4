"""Gradient-based methods: Gradient (Simonyan et al. 2014) via TorchRay, Integrated
Gradients (Sundararajan et al. 2017) via captum, SHAP (Lundberg & Lee 2017) via shap's
``GradientExplainer``: the libraries the paper used; and the boundary attributions BIG
(Wang et al. 2021, captum's IG from an attack's point) and AGI (Pan et al. 2021).

All three reduce an attribution [B, 3, H, W] to a map the same way, the absolute value
maximised over colour channels (TorchRay's ``gradient`` convention), so that the three
differ by their attributions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.attacks import BOUNDARY_EPS_224, BOUNDARY_STEPS
from pytest_xai.methods.base import Method, image_seed

if TYPE_CHECKING:
    import torch

    from pytest_xai.benchmarks.base import LoadedModel


def abs_max_over_channels(attributions: "torch.Tensor") -> "torch.Tensor":
    """[B, C, H, W] attributions -> [B, H, W] maps: max over channels of the absolute value."""
    return attributions.abs().amax(dim=1)


@dataclass(frozen=True)
class Gradient(Method):
    """|d logit_target / d input|, max over colour channels (TorchRay ``gradient``,
    the implementation the paper used)."""

    name: ClassVar[str] = "gradient"
    group: ClassVar[str] = "gradient"

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch
        from torchray.attribution.gradient import gradient

        with torch.enable_grad():
            inputs = images.detach().clone().requires_grad_(True)
            saliency = gradient(model.net, inputs, targets)
        return saliency[:, 0].detach()


@dataclass(frozen=True)
class IntegratedGradients(Method):
    """captum's ``IntegratedGradients`` of the target logit, reduced by
    :func:`abs_max_over_channels`.

    - ``n_steps``: interpolation steps between the reference and the image (paper: 50,
      captum's suggestion; Gauss-Legendre nodes, captum's default).

    The reference is the zero tensor of the network's input space, captum's default
    baseline: the paper's "zero reference image" as its captum call produced it (with
    mean/std normalisation this is the mean-colour image, not black). Interpolants are
    evaluated in forwards of at most ``max(batch_size, B)`` images (captum's
    ``internal_batch_size``).
    """

    name: ClassVar[str] = "integrated_gradients"
    group: ClassVar[str] = "gradient"
    fast_caps: ClassVar[dict[str, int]] = {"n_steps": 16}
    n_steps: int = 50

    def attributions(self, model: "LoadedModel", images: "torch.Tensor",
                     targets: "torch.Tensor") -> "torch.Tensor":
        """Per-channel attributions [B, 3, H, W]; over an image they sum to about
        logit(image) - logit(reference) (completeness)."""
        import torch
        from captum.attr import IntegratedGradients as CaptumIG

        with torch.enable_grad():
            attributions = CaptumIG(model.net).attribute(
                images, target=targets, n_steps=self.n_steps,
                internal_batch_size=max(self.batch_size, len(images)))
        return attributions.detach()

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        return abs_max_over_channels(self.attributions(model, images, targets))


@dataclass(frozen=True)
class BoundaryIG(Method):
    """Boundary-based Integrated Gradients (BIG, Wang, Fredrikson & Datta 2021): Integrated
    Gradients of the target logit from a point near the closest decision boundary instead
    of a fixed reference, reduced by :func:`abs_max_over_channels`.

    - ``attack_eps``: the PGD-L2 budgets of the boundary search at 224 px, scaled to the
      image side (``pytest_xai.attacks.closest_boundary``: the smallest that changes the
      prediction wins; default ``attacks.BOUNDARY_EPS_224``). The paper's search adds a
      Carlini-Wagner attack; this one is PGD alone.
    - ``attack_steps``: PGD steps per budget (step 2.5 eps / steps).
    - ``n_steps``: interpolation steps of captum's ``IntegratedGradients`` (as ``IntegratedGradients``).

    Where no budget changes the prediction, the reference is the smallest budget's point, as
    in the paper's code.
    """

    name: ClassVar[str] = "big"
    group: ClassVar[str] = "gradient"
    tags: ClassVar[tuple[str, ...]] = ("boundary",)
    fast_caps: ClassVar[dict[str, int]] = {"n_steps": 16, "attack_steps": 10}
    attack_eps: tuple[float, ...] = BOUNDARY_EPS_224
    attack_steps: int = BOUNDARY_STEPS
    n_steps: int = 50

    def __post_init__(self) -> None:
        if not self.attack_eps or min(self.attack_eps) <= 0 or self.attack_steps < 1 or self.n_steps < 1:
            raise ValueError("attack_eps must be positive budgets, attack_steps and n_steps >= 1")

    def code_digest(self) -> str:
        """The class and the boundary search it calls."""
        from pytest_xai.attacks import boundary_code
        from pytest_xai.store import source_digest

        return source_digest(type(self)) + boundary_code()

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch
        from captum.attr import IntegratedGradients as CaptumIG

        from pytest_xai.attacks import boundary_points

        boundary, _ = boundary_points(model, images, targets, self.attack_eps, self.attack_steps)
        with torch.enable_grad():
            attributions = CaptumIG(model.net).attribute(
                images, baselines=model.normalize(boundary), target=targets, n_steps=self.n_steps,
                internal_batch_size=max(self.batch_size, len(images)))
        return abs_max_over_channels(attributions.detach())


@dataclass(frozen=True)
class AGI(Method):
    """Adversarial Gradient Integration (Pan, Li & Zhu 2021), the boundary attribution Wang et
    al. 2021 compare BIG with: for each of some false classes t, a signed-gradient attack
    walks from the image towards t (steps of ``step_size`` along sign(d p_t / dx), in [0, 1]
    pixels, clamped) until the model predicts t or ``max_iter`` steps are done, and each
    step adds -d p_y / dx * (x_next - x) (p: softmax, y: the target); the map sums the paths
    over the false classes, reduced by :func:`abs_max_over_channels`. Written here: captum,
    TorchRay and shap have no AGI.

    - ``false_classes``: how many false classes are walked to, drawn per image from the
      image's seed (all of them when there are no more; the paper's ImageNet setting: 20).
    - ``step_size``: the L-inf step in [0, 1] pixels (paper: 0.05).
    - ``max_iter``: the most steps per path (paper: 20).
    """

    name: ClassVar[str] = "agi"
    group: ClassVar[str] = "gradient"
    tags: ClassVar[tuple[str, ...]] = ("boundary",)
    fast_caps: ClassVar[dict[str, int]] = {"false_classes": 5, "max_iter": 10}
    false_classes: int = 20
    step_size: float = 0.05
    max_iter: int = 20

    def __post_init__(self) -> None:
        if self.false_classes < 1 or self.max_iter < 1 or not self.step_size > 0:
            raise ValueError("false_classes and max_iter must be >= 1, step_size > 0")

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch

        images01 = model.denormalize(images).detach()
        with torch.no_grad():
            classes = model(images).shape[1]
        chosen = torch.stack([self._false_classes(image, int(y), classes, seed) for image, y in zip(images, targets)])
        total = torch.zeros_like(images01)
        rows = torch.arange(len(images01), device=images01.device)
        with torch.enable_grad():
            for k in range(chosen.shape[1]):
                total += self._path(model, images01, targets, chosen[:, k].to(images01.device), rows)
        return abs_max_over_channels(total)

    def _false_classes(self, image: "torch.Tensor", target: int, classes: int, seed: int) -> "torch.Tensor":
        """The false classes this image's paths lead to, drawn from its seed."""
        import torch

        others = torch.tensor([c for c in range(classes) if c != target])
        order = torch.randperm(len(others), generator=torch.Generator().manual_seed(image_seed(image, seed)))
        return others[order[:min(self.false_classes, len(others))]]

    def _path(self, model: "LoadedModel", images01: "torch.Tensor", targets: "torch.Tensor",
              false: "torch.Tensor", rows: "torch.Tensor") -> "torch.Tensor":
        """One path per image towards its false class, and what it attributes."""
        import torch

        x, attribution = images01.clone(), torch.zeros_like(images01)
        for _ in range(self.max_iter):
            x.requires_grad_(True)
            probs = model(model.normalize(x)).softmax(1)
            walking = probs.argmax(1) != false
            if not walking.any():
                break
            towards, = torch.autograd.grad(probs[rows, false].sum(), x, retain_graph=True)
            label, = torch.autograd.grad(probs[rows, targets].sum(), x)
            x = x.detach()
            step = (x + self.step_size * towards.sign()).clamp(0, 1)
            keep = walking[:, None, None, None]
            attribution += torch.where(keep, -label * (step - x), torch.zeros_like(x))
            x = torch.where(keep, step, x)
        return attribution


@dataclass(frozen=True)
class SHAP(Method):
    """shap's ``GradientExplainer`` (expected gradients) of the target logit, reduced by
    :func:`abs_max_over_channels`.

    - ``n_samples``: gradient samples per image (paper: 200, shap's default).

    Only the target is computed: the explainer sees a one-output view of the network
    (the target's logit), since shap's PyTorch ``ranked_outputs`` can only pick the
    top-scoring classes, not a given one. The background set is one image, the zero
    tensor of the input space, i.e. IG's reference: the paper gives none, a data-set
    background would make a map depend on images other than its own (or on a training
    set the harness does not hold), and with IG's reference the two methods differ by
    their estimator only (random interpolation points, 200 samples, vs a 50-step
    quadrature). Each image is explained alone with shap's ``rseed`` drawn from
    (seed, image bytes); numpy's global RNG, which shap reseeds, is restored afterwards.
    """

    name: ClassVar[str] = "shap"
    group: ClassVar[str] = "gradient"
    fast_caps: ClassVar[dict[str, int]] = {"n_samples": 32}
    n_samples: int = 200

    def attributions(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                     seed: int) -> "torch.Tensor":
        """Per-channel SHAP values [B, 3, H, W]; over an image they sum to
        logit(image) - logit(reference) in expectation."""
        import warnings

        import numpy as np
        import torch


        with warnings.catch_warnings():  # shap's colormaps call matplotlib's deprecated setters on import
            warnings.filterwarnings("ignore", message="The set_.* function will be deprecated",
                                    category=PendingDeprecationWarning)
            import shap

        background = torch.zeros_like(images[:1])
        values = []
        state = np.random.get_state()
        try:
            for image, target in zip(images, targets.tolist()):
                explainer = shap.GradientExplainer(_target_logit(model.net, target), background,
                                                   batch_size=self.batch_size)
                with torch.enable_grad():
                    phi = explainer.shap_values(image[None], nsamples=self.n_samples, rseed=image_seed(image, seed))
                values.append(torch.as_tensor(phi[..., 0], dtype=torch.float32))
        finally:
            np.random.set_state(state)
        return torch.cat(values).to(images.device)

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        return abs_max_over_channels(self.attributions(model, images, targets, seed))


def _target_logit(net: "torch.nn.Module", target: int) -> "torch.nn.Module":
    """``net`` restricted to one output: the logit of ``target``, as [N, 1]."""
    from torch import nn

    class TargetLogit(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            return self.net(x)[:, target:target + 1]

    return TargetLogit()
