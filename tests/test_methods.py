"""The built-in methods keep the explainer contract on the smoke models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
import torch

from pytest_xai.builtins import register_builtins
from pytest_xai.methods import GradCAM, Gradient, Method
from pytest_xai.models.spec import LoadedModel
from pytest_xai.registry import Registry

METHODS = [Gradient(), GradCAM()]


@pytest.fixture(scope="module")
def registry() -> Registry:
    registry = Registry()
    register_builtins(registry)
    return registry


def loaded(registry: Registry, name: str) -> LoadedModel:
    spec = registry.models[name]
    return LoadedModel(spec=spec, net=spec.loader(), device=torch.device("cpu"))


@pytest.fixture(scope="module")
def batch(registry: Registry) -> tuple[torch.Tensor, torch.Tensor]:
    images = registry.benchmarks["smoke"].load(8, 3)
    model = loaded(registry, "smoke-gap")
    return model.normalize(images.images), images.labels


@pytest.mark.parametrize("model_name", ["smoke-gap", "smoke-flat"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_contract(registry: Registry, batch: tuple[torch.Tensor, torch.Tensor], method: Method,
                  model_name: str) -> None:
    model = loaded(registry, model_name)
    images, targets = batch
    maps = method.explain(model, images, targets, seed=0)
    assert maps.shape == (8, 32, 32) and maps.dtype == torch.float32
    assert torch.isfinite(maps).all()
    assert torch.equal(maps, method.explain(model, images, targets, seed=0)), "not deterministic"
    alone = torch.cat([method.explain(model, images[i:i + 1], targets[i:i + 1], seed=0) for i in range(8)])
    torch.testing.assert_close(alone, maps, rtol=1e-5, atol=1e-6)


def test_gradient_is_abs_max_over_channels_of_the_logit_gradient(registry: Registry,
                                                                 batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    model = loaded(registry, "smoke-flat")
    images, targets = batch
    x = images.clone().requires_grad_(True)
    model(x).gather(1, targets[:, None]).sum().backward()
    torch.testing.assert_close(Gradient().explain(model, images, targets, seed=0), x.grad.abs().amax(dim=1))


def test_gradcam_needs_a_cam_layer(registry: Registry) -> None:
    from dataclasses import replace

    spec = replace(registry.models["smoke-gap"], cam_layer=None)
    assert "no CAM layer" in GradCAM().applies_to(spec)
    assert GradCAM().applies_to(registry.models["smoke-gap"]) is None


def test_fast_profile_caps_budgets_and_paper_keeps_them() -> None:
    @dataclass(frozen=True)
    class Budgeted(Gradient):
        fast_caps: ClassVar[dict[str, int]] = {"samples": 100}
        samples: int = 1000

    assert Budgeted().with_profile("fast").samples == 100
    assert Budgeted(samples=10).with_profile("fast").samples == 10
    assert Budgeted().with_profile("paper").samples == 1000
    assert Gradient().with_profile("fast") == Gradient()
