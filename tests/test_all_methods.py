"""The paper's nine methods, BIG and AGI keep the explainer contract and compute what they claim.

Budgets are cut (``dataclasses.replace``) so the whole file runs in well under a minute.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from pytest_xai.benchmarks.base import LoadedModel
from pytest_xai.builtins import register_builtins
from pytest_xai.methods import (
    AGI,
    BUILTIN_METHODS,
    CAM,
    LIME,
    RISE,
    SHAP,
    ExtremalPerturbation,
    BoundaryIG,
    GradCAM,
    Gradient,
    IntegratedGradients,
    MeaningfulPerturbation,
    Method,
)
from pytest_xai.registry import Registry

SMALL: dict[str, dict] = {
    "integrated_gradients": {"n_steps": 8, "batch_size": 16},
    "shap": {"n_samples": 8, "batch_size": 8},
    "rise": {"n_masks": 64},
    "lime": {"n_samples": 40, "n_superpixels": 10},
    "mp": {"max_iter": 4, "batch_size": 4},
    "ep": {"max_iter": 2, "areas": (0.1,)},
    "big": {"attack_eps": (1.0, 4.0), "attack_steps": 3, "n_steps": 8, "batch_size": 16},
    "agi": {"false_classes": 2, "max_iter": 3},
}
STOCHASTIC = ("shap", "rise", "lime", "mp")


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    register_builtins(registry)
    return registry


def loaded(registry: Registry, name: str) -> LoadedModel:
    spec = registry.models_of("smoke")[name]
    return LoadedModel(spec=spec, net=spec.loader(), device=torch.device("cpu"))


def small(registry: Registry, name: str) -> Method:
    return dataclasses.replace(registry.methods[name], **SMALL.get(name, {}))


@pytest.fixture(scope="module")
def batch(registry: Registry) -> tuple[torch.Tensor, torch.Tensor]:
    images = registry.benchmarks["smoke"].load(8, 5)
    return loaded(registry, "smoke-gap").normalize(images.images), images.labels


def test_the_paper_methods_are_registered_in_its_order_then_big_and_agi(registry: Registry) -> None:
    assert [m.name for m in BUILTIN_METHODS] == ["gradient", "integrated_gradients", "shap", "gradcam", "cam",
                                                  "rise", "lime", "mp", "ep", "big", "agi"]
    assert [m.group for m in BUILTIN_METHODS] == (["gradient"] * 3 + ["cam"] * 2 + ["perturbation"] * 4
                                                  + ["gradient"] * 2)
    assert BoundaryIG.tags == AGI.tags == ("boundary",)


@pytest.mark.parametrize("method", BUILTIN_METHODS, ids=lambda m: m.name)
def test_fast_caps_name_budget_fields_below_the_paper_values(method: type[Method]) -> None:
    paper = method()
    for field, cap in method.fast_caps.items():
        assert isinstance(getattr(paper, field), int) and 0 < cap < getattr(paper, field)
        assert getattr(paper.with_profile("fast"), field) == cap
    assert paper.with_profile("paper") == paper


@pytest.mark.parametrize("model_name", ["smoke-gap", "smoke-flat"])
@pytest.mark.parametrize("name", [m.name for m in BUILTIN_METHODS])
def test_contract(registry: Registry, batch: tuple[torch.Tensor, torch.Tensor], name: str, model_name: str) -> None:
    method = small(registry, name)
    reason = method.applies_to(registry.models_of("smoke")[model_name])
    if reason:
        pytest.skip(reason)
    model = loaded(registry, model_name)
    images, targets = batch
    maps = method.explain(model, images, targets, seed=0)
    assert maps.shape == (8, 32, 32) and maps.dtype == torch.float32 and not maps.requires_grad
    assert torch.isfinite(maps).all()
    assert torch.equal(maps, method.explain(model, images, targets, seed=0)), "not deterministic"
    if name in STOCHASTIC:
        assert not torch.equal(maps, method.explain(model, images, targets, seed=1)), "ignores the seed"
    # Images 0-3 alone and in the batch of 8 (MP's batch_size 4 puts 4-7 in a second chunk).
    alone = torch.cat([method.explain(model, images[i:i + 1], targets[i:i + 1], seed=0) for i in range(4)])
    # Float32 kernels may block a batch of 8 differently from one image (last-bit
    # differences, ~1e-7 of the map's scale, seen up to 3e-7 here); a real coupling between
    # images (shared noise, a batch mean in a loss) changes maps at the scale of the map.
    torch.testing.assert_close(alone, maps[:4], rtol=1e-4, atol=1e-5 * float(maps.abs().max()))


def test_gradient_is_abs_max_over_channels_of_the_logit_gradient(registry: Registry,
                                                                 batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = loaded(registry, "smoke-flat")
    images, targets = batch
    x = images.clone().requires_grad_(True)
    model(x).gather(1, targets[:, None]).sum().backward()
    torch.testing.assert_close(Gradient().explain(model, images, targets, seed=0), x.grad.abs().amax(dim=1))


def test_gradcam_needs_a_cam_layer(registry: Registry) -> None:
    spec = dataclasses.replace(registry.models_of("smoke")["smoke-gap"], cam_layer=None)
    assert "no CAM layer" in GradCAM().applies_to(spec)
    assert GradCAM().applies_to(registry.models_of("smoke")["smoke-gap"]) is None


def test_fast_profile_caps_budgets_and_paper_keeps_them() -> None:
    assert RISE(n_masks=100).with_profile("fast").n_masks == 100  # below the cap: kept
    assert RISE().with_profile("fast").n_masks == RISE.fast_caps["n_masks"]
    assert RISE().with_profile("paper") == RISE()
    assert Gradient().with_profile("fast") == Gradient()  # no budget


def test_cam_applies_only_to_gap_heads(registry: Registry) -> None:
    assert CAM().applies_to(registry.models_of("smoke")["smoke-gap"]) is None
    assert "gap_head" in CAM().applies_to(registry.models_of("smoke")["smoke-flat"])
    assert "no CAM layer" in CAM().applies_to(dataclasses.replace(registry.models_of("smoke")["smoke-gap"], cam_layer=None))


def test_cam_is_the_fc_weighted_sum_of_the_last_features(registry: Registry,
                                                         batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = loaded(registry, "smoke-gap")
    images, targets = batch
    with torch.no_grad():
        features = model.net.features(images)
        cams = (model.net.fc.weight[targets][:, :, None, None] * features).sum(1)
    lo, hi = cams.amin((1, 2), keepdim=True), cams.amax((1, 2), keepdim=True)
    expected = nn.functional.interpolate(((cams - lo) / (hi - lo))[:, None], size=(32, 32), mode="bilinear")[:, 0]
    torch.testing.assert_close(CAM().explain(model, images, targets, seed=0), expected)


def test_cam_refuses_a_layer_that_does_not_feed_the_pooling(registry: Registry,
                                                            batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    spec = dataclasses.replace(registry.models_of("smoke")["smoke-gap"], cam_layer="features.2")  # before the last ReLU
    model = LoadedModel(spec=spec, net=spec.loader(), device=torch.device("cpu"))
    with pytest.raises(ValueError, match="gap_head"):
        CAM().explain(model, *batch, seed=0)


def test_integrated_gradients_are_complete(registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = loaded(registry, "smoke-gap")
    images, targets = batch
    with torch.no_grad():
        gain = (model(images) - model(torch.zeros_like(images))).gather(1, targets[:, None])[:, 0]
    attributions = IntegratedGradients().attributions(model, images, targets)
    torch.testing.assert_close(attributions.sum((1, 2, 3)), gain, rtol=3e-2, atol=1e-4)


def linear_model(registry: Registry) -> LoadedModel:
    """A linear classifier on the normalised 32 px input that prefers class 0 by 0.01 on grey
    images: its boundary is near, and IG of a linear logit is (x - reference) * w exactly."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 3)).eval()
    with torch.no_grad():
        net[1].bias.copy_(torch.tensor([0.01, 0.0, 0.0]))
    return LoadedModel(spec=registry.models_of("smoke")["smoke-gap"], net=net, device=torch.device("cpu"))


def test_closest_boundary_takes_the_smallest_budget_that_flips() -> None:
    from pytest_xai.attacks import closest_boundary

    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3)).eval()
    with torch.no_grad():
        net[1].bias.copy_(torch.tensor([0.01, 0.0, 0.0]))
    grey, labels = torch.full((2, 3, 8, 8), 0.5), torch.zeros(2, dtype=torch.long)
    points, found = closest_boundary(net, grey, labels, (0.5,) * 3, (0.5,) * 3, [2.0, 0.001, 0.5], 5)
    assert found.all()
    distance = (points - grey).flatten(1).norm(dim=1)
    assert (distance > 0.001).all() and (distance <= 0.5 + 1e-5).all()         # 0.001 is too small, 0.5 flips
    constant = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3)).eval()
    with torch.no_grad():
        constant[1].weight.zero_()
        constant[1].bias.copy_(torch.tensor([0.01, 0.0, 0.0]))
    points, found = closest_boundary(constant, grey, labels, (0.5,) * 3, (0.5,) * 3, [0.5], 5)
    assert not found.any() and torch.equal(points, grey)      # no gradient: the smallest budget's point, unmoved
    with pytest.raises(ValueError, match="empty"):
        closest_boundary(net, grey, labels, (0.5,) * 3, (0.5,) * 3, [], 5)


def test_big_is_integrated_gradients_from_the_closest_boundary_point(registry: Registry) -> None:
    from pytest_xai.attacks import closest_boundary

    model = linear_model(registry)
    images01 = torch.full((2, 3, 32, 32), 0.5) + 0.01 * torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    targets = torch.zeros(2, dtype=torch.long)
    big = small(registry, "big")
    maps = big.explain(model, model.normalize(images01), targets, seed=0)
    boundary, found = closest_boundary(model.net, images01, targets, model.spec.mean, model.spec.std,
                                       [e * 32 / 224 for e in big.attack_eps], big.attack_steps)
    assert found.all()
    weight = model.net[1].weight[0].view(3, 32, 32)
    expected = ((model.normalize(images01) - model.normalize(boundary)) * weight).abs().amax(dim=1)
    torch.testing.assert_close(maps, expected, rtol=1e-4, atol=1e-7)
    with pytest.raises(ValueError):
        BoundaryIG(attack_eps=())


def test_agi_attributes_nothing_to_pixels_the_model_does_not_read(registry: Registry) -> None:
    """Logits of the top-left 16 x 16 px only: every gradient, so every step's attribution,
    is zero elsewhere; and the paths move the image there towards the false classes."""
    torch.manual_seed(0)

    class Corner(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3 * 16 * 16, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x[:, :, :16, :16].flatten(1))

    model = LoadedModel(spec=registry.models_of("smoke")["smoke-gap"], net=Corner().eval(), device=torch.device("cpu"))
    images = model.normalize(torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(2)))
    maps = AGI(false_classes=3, max_iter=5).explain(model, images, torch.tensor([0, 1, 2]), seed=0)
    assert (maps[:, 16:, :] == 0).all() and (maps[:, :, 16:] == 0).all()
    assert (maps[:, :16, :16].flatten(1).amax(1) > 0).all()
    with pytest.raises(ValueError):
        AGI(step_size=0.0)


def test_agi_draws_its_false_classes_from_the_image_seed() -> None:
    image = torch.rand(3, 8, 8, generator=torch.Generator().manual_seed(3))
    draws = [AGI(false_classes=3)._false_classes(image, 4, 10, seed).tolist() for seed in range(5)]
    assert all(len(d) == 3 and 4 not in d for d in draws) and len({tuple(d) for d in draws}) > 1
    assert draws[0] == AGI(false_classes=3)._false_classes(image, 4, 10, 0).tolist()
    assert sorted(AGI()._false_classes(image, 4, 10, 0).tolist()) == [0, 1, 2, 3, 5, 6, 7, 8, 9]


def test_shap_estimates_integrated_gradients_from_the_same_reference(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = loaded(registry, "smoke-gap")
    images, targets = batch[0][:2], batch[1][:2]
    shap_values = SHAP().attributions(model, images, targets, seed=0)
    ig = IntegratedGradients().attributions(model, images, targets)
    for s, i in zip(shap_values, ig):
        assert torch.corrcoef(torch.stack([s.flatten(), i.flatten()]))[0, 1] > 0.95
    torch.testing.assert_close(shap_values.sum((1, 2, 3)), ig.sum((1, 2, 3)), rtol=0.25, atol=1e-4)


def test_rise_masks_are_petsiuks_upsampled_shifted_grids() -> None:
    from skimage.transform import resize

    rise = RISE(n_masks=6, grid_size=5)
    h, w = 30, 44
    grids, rows, cols = rise._draws(h, w, seed=3)
    masks = rise._masks((grids, rows, cols), 0, 6, h, w)
    up = (6 * math.ceil(h / 5), 6 * math.ceil(w / 5))
    for mask, grid, y, x in zip(masks, grids, rows.tolist(), cols.tolist()):
        expected = resize(grid.numpy(), up, order=1, mode="reflect", anti_aliasing=False)[y:y + h, x:x + w]
        torch.testing.assert_close(mask, torch.from_numpy(expected).float(), rtol=0, atol=1e-6)


def test_rise_with_every_mask_on_several_images_per_forward_gives_the_per_image_maps(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    """A batch larger than the mask set (a memory budget's on a GPU) puts every mask on
    ``batch_size // n_masks`` images per forward (here 3, 3 and 2 of 8 images)."""
    model = loaded(registry, "smoke-gap")
    images, targets = batch
    per_image = RISE(n_masks=40, batch_size=16).explain(model, images, targets, seed=0)
    together = RISE(n_masks=40, batch_size=120).explain(model, images, targets, seed=0)
    torch.testing.assert_close(together, per_image, rtol=0, atol=1e-6)
    assert not torch.allclose(per_image[0], per_image[1])


def test_lime_segments_are_numbered_from_zero_and_near_the_target_count(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    import numpy as np

    image = loaded(registry, "smoke-gap").denormalize(batch[0][:1])[0].permute(1, 2, 0).double().numpy()
    labels = LIME(n_superpixels=20).segment(image)
    assert labels.shape == (32, 32) and 5 <= labels.max() + 1 <= 40
    assert (np.unique(labels) == np.arange(labels.max() + 1)).all()


# A model that sees nothing but nine dots of channel 0 inside the box [8:16, 8:16].
DOTS = torch.zeros(32, 32)
DOTS[8:16:3, 8:16:3] = 1
BOX = torch.zeros(32, 32, dtype=torch.bool)
BOX[8:16, 8:16] = True


class DotNet(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        score = 8 * ((x[:, 0] * DOTS).sum((1, 2)) / DOTS.sum() - 0.5)
        return torch.stack([score, torch.zeros_like(score), torch.zeros_like(score)], dim=1)


@pytest.mark.parametrize("method", [
    Gradient(), IntegratedGradients(n_steps=8), SHAP(n_samples=16), RISE(n_masks=512),
    LIME(n_samples=100, n_superpixels=20),
    MeaningfulPerturbation(max_iter=20, mask_side=112),  # 16 x 16 mask at 32 px: the box is 4 cells wide
    ExtremalPerturbation(max_iter=30, areas=(0.05, 0.1))], ids=lambda m: m.name)
def test_the_map_is_higher_where_the_model_looks(registry: Registry, method: Method) -> None:
    model = LoadedModel(spec=registry.models_of("smoke")["smoke-gap"], net=DotNet(), device=torch.device("cpu"))
    image = torch.full((1, 3, 32, 32), 0.5)  # 0 in the input space
    image[0, 0][DOTS.bool()] = 1.0
    saliency = method.explain(model, model.normalize(image), torch.zeros(1, dtype=torch.long), seed=0)[0]
    margin = 0.1 * float(saliency.max() - saliency.min())
    assert saliency[BOX].mean() > saliency[~BOX].mean() + margin


class _UncompressedEP(ExtremalPerturbation):
    """EP whose schedule is made for exactly its own ``max_iter``, as TorchRay's for 800."""

    SCHEDULE_ITERATIONS = 24


def test_ep_loop_is_torchrays_when_its_schedule_is_not_compressed(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    from torchray.attribution.extremal_perturbation import extremal_perturbation

    model = loaded(registry, "smoke-gap")
    images, targets = batch[0][:2], batch[1][:2]
    method = _UncompressedEP(max_iter=24, areas=(0.05, 0.2))
    flags = [p.requires_grad for p in model.net.parameters()]
    ours = method.explain(model, images, targets, seed=0)
    assert [p.requires_grad for p in model.net.parameters()] == flags  # TorchRay switches them off; we do not
    for image, target, mine in zip(images, targets.tolist(), ours):
        masks, _ = extremal_perturbation(model.net, image[None], target, areas=[0.05, 0.2], max_iter=24,
                                         step=max(1, round(7 * 32 / 224)), sigma=21 * 32 / 224, smooth=0.09)
        torch.testing.assert_close(mine, masks.mean(dim=0)[0], rtol=0, atol=1e-6)


class _BatchedEP(ExtremalPerturbation):
    """EP that optimises the images of a call together on the CPU too, as it does on CUDA."""

    BATCH_DEVICES = ("cpu", "cuda")


def test_ep_on_a_batch_of_images_gives_each_image_its_own_map(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    """The batched optimisation (CUDA's) is the per-image one: every mask's loss depends on its
    own image alone, and SGD's momentum is per element."""
    model = loaded(registry, "smoke-gap")
    images, targets = batch[0][:3], batch[1][:3]
    settings = dict(max_iter=12, areas=(0.05, 0.2))
    one_by_one = ExtremalPerturbation(**settings).explain(model, images, targets, seed=0)
    together = _BatchedEP(**settings).explain(model, images, targets, seed=0)
    assert together.shape == one_by_one.shape == (3, *images.shape[-2:])
    torch.testing.assert_close(together, one_by_one, rtol=0, atol=1e-5)
    assert not torch.allclose(one_by_one[0], one_by_one[1])        # the images' maps differ


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_ep_on_cuda_batches_the_images_and_gives_the_cpu_maps(
        registry: Registry, batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    import copy

    cpu = loaded(registry, "smoke-gap")
    cuda = LoadedModel(spec=cpu.spec, net=copy.deepcopy(cpu.net).cuda(), device=torch.device("cuda"))
    images, targets = batch[0][:3], batch[1][:3]
    method = ExtremalPerturbation(max_iter=12, areas=(0.05, 0.2))
    on_cuda = method.explain(cuda, images.cuda(), targets.cuda(), seed=0)
    torch.testing.assert_close(on_cuda.cpu(), method.explain(cpu, images, targets, seed=0), rtol=0, atol=1e-4)


def test_a_short_ep_run_follows_the_whole_schedule(registry: Registry,
                                                  batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    """Cut to 20 iterations, TorchRay's own schedule leaves the masks near their start (all
    ones: a flat map); ours ends with masks of about the asked-for area."""
    model = loaded(registry, "smoke-gap")
    maps = ExtremalPerturbation(max_iter=20, areas=(0.1,), smooth=0.0).explain(model, *batch, seed=0)
    above = (maps.flatten(1) > 0.5).float().mean(dim=1)
    assert (above < 0.3).all(), above
