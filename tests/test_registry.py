"""Selector syntax and registration rules."""

from __future__ import annotations

import pytest

from pytest_xai.registry import Catalog, SelectorError


@pytest.fixture
def models() -> Catalog[str]:
    catalog: Catalog[str] = Catalog("model")
    for name, tags in (("alexnet", ("vanilla", "alexnet")), ("alexnet-r", ("robust", "alexnet")),
                       ("resnet", ("vanilla", "resnet")), ("resnet-r", ("robust", "resnet")),
                       ("resnet-pgd1", ("advprop", "resnet"))):
        catalog.add(name, name, tags)
    return catalog


@pytest.mark.parametrize(("selector", "expected"), [
    ("all", ["alexnet", "alexnet-r", "resnet", "resnet-r", "resnet-pgd1"]),
    ("robust", ["alexnet-r", "resnet-r"]),
    ("resnet*", ["resnet", "resnet-r", "resnet-pgd1"]),
    ("resnet*,-advprop", ["resnet", "resnet-r"]),
    ("-resnet", ["alexnet", "alexnet-r", "resnet-r", "resnet-pgd1"]),
    ("-resnet*,-alexnet", ["alexnet-r"]),
    ("resnet-r, alexnet", ["alexnet", "resnet-r"]),  # registration order, not selector order
    ("all,-vanilla,resnet", ["alexnet-r", "resnet", "resnet-r", "resnet-pgd1"]),
    ("*-r", ["alexnet-r", "resnet-r"]),
])
def test_selectors(models: Catalog[str], selector: str, expected: list[str]) -> None:
    assert models.select(selector) == expected


@pytest.mark.parametrize("selector", ["resnet50", "vanila", "vgg*", "all,-foo"])
def test_unknown_token_names_it_and_lists_valid_choices(models: Catalog[str], selector: str) -> None:
    with pytest.raises(SelectorError) as info:
        models.select(selector)
    bad = [t for t in selector.split(",") if t.lstrip("-") not in ("all",)][-1]
    assert repr(bad) in str(info.value)
    assert "alexnet-r" in str(info.value) and "robust" in str(info.value)


@pytest.mark.parametrize("selector", ["", " ", "resnet,", ",resnet", "-"])
def test_empty_tokens_are_errors(models: Catalog[str], selector: str) -> None:
    with pytest.raises(SelectorError, match="empty token"):
        models.select(selector)


def test_among_restricts_candidates(models: Catalog[str]) -> None:
    assert models.select("all", among=["resnet", "alexnet"]) == ["alexnet", "resnet"]
    with pytest.raises(SelectorError):
        models.select("resnet-r", among=["resnet"])


@pytest.mark.parametrize("name", ["a,b", "-a", "a*", "", "a[1]"])
def test_invalid_names_are_refused(models: Catalog[str], name: str) -> None:
    with pytest.raises(ValueError, match="invalid model name"):
        models.add(name, name)


def test_duplicate_names_are_refused(models: Catalog[str]) -> None:
    with pytest.raises(ValueError, match="already registered"):
        models.add("resnet", "again")


def test_ambiguous_cell_ids_are_refused() -> None:
    from pytest_xai.benchmarks.base import ModelSpec
    from pytest_xai.builtins import register_builtins
    from pytest_xai.methods.base import FunctionMethod
    from pytest_xai.registry import Registry
    from pytest_xai.selection import select_grid
    from pytest_xai.settings import XaiConfig

    registry = Registry()
    register_builtins(registry)
    smoke = registry.models_of("smoke")["smoke-gap"]
    # "smoke-gap" + "x-gradient" and "smoke-gap-x" + "gradient" both give smoke-gap-x-gradient-wsl.
    registry.add_model(ModelSpec(name="smoke-gap-x", benchmark="smoke", arch="x", training="untrained",
                                 loader=smoke.loader, weights="same"))
    registry.add_method(FunctionMethod(fn=lambda m, i, t: i, name="x-gradient", group="other"))
    cfg = XaiConfig(models="smoke-gap,smoke-gap-x", methods="gradient,x-gradient", metrics="wsl", claims="all",
                    benchmark="smoke", device="cpu", profile="auto", subset="auto", images=None, seed=0, report=None, cache_dir=None,
                    baseline=None, baseline_alpha=0.01)
    with pytest.raises(SelectorError, match="smoke-gap-x-gradient-wsl"):
        select_grid(registry, cfg)
