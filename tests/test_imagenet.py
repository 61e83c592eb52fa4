"""The `imagenet` benchmark from local files: a tiny ILSVRC2012-format folder in three layouts,
and checkpoints in every supported format written here from seeded random torchvision models."""

from __future__ import annotations

import argparse
import dataclasses
import re
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import torch
from PIL import Image, ImageDraw
from torch import nn
from torchvision import models

from pytest_xai.benchmarks.base import LoadedModel, MissingFile
from pytest_xai.benchmarks.imagenet import images as imagenet
from pytest_xai.benchmarks.imagenet.zoo import ZOO, ZooEntry, load_model
from pytest_xai.builtins import register_builtins
from pytest_xai.evaluation.inputs import Inputs
from pytest_xai.registry import Registry

WNIDS = ("n01440764", "n01443537", "n01484850")
# id suffix: (width, height, [(class, x0, y0, x1, y1)]), boxes as inclusive pixels
IMAGES = {
    1: (320, 240, [(0, 40, 50, 119, 129)]),                      # kept, left edge clipped by the crop
    2: (240, 320, [(1, 60, 100, 139, 219)]),                     # kept (portrait)
    3: (300, 300, [(2, 30, 30, 99, 99), (2, 150, 150, 199, 199)]),  # two boxes: out
    4: (320, 240, [(0, 10, 10, 309, 229)]),                      # box > 50% of the image: out
    5: (400, 200, [(1, 0, 20, 39, 100)]),                        # box outside the centre crop: out
    6: (256, 256, [(2, 100, 80, 180, 200)]),                     # kept, no resize
    7: (600, 400, [(0, 250, 100, 400, 300)]),                    # kept (downscaled)
    8: (333, 250, [(1, 180, 20, 300, 120)]),                     # kept, right edge clipped
}
KEPT = {f"ILSVRC2012_val_{i:08d}" for i in (1, 2, 6, 7, 8)}
LAYOUTS = {  # layout: (image folder, annotations: XML folder or the CSV)
    "official": ("val", "val"),
    "kaggle-csv": ("ILSVRC/Data/CLS-LOC/val", "LOC_val_solution.csv"),
    "class-folders": ("val/{wnid}", "ILSVRC/Annotations/CLS-LOC/val"),
}


def make_root(root: Path, layout: str, skip_images: tuple[str, ...] = ()) -> Path:
    image_dir, annotations = LAYOUTS[layout]
    root.mkdir(parents=True, exist_ok=True)
    (root / "LOC_synset_mapping.txt").write_text("".join(f"{w} class {k}, a name\n" for k, w in enumerate(WNIDS)))
    rows = ["ImageId,PredictionString"]
    for i, (width, height, boxes) in IMAGES.items():
        image_id = f"ILSVRC2012_val_{i:08d}"
        image = Image.new("RGB", (width, height), (20, 20, 20))
        for _, *box in boxes:
            ImageDraw.Draw(image).rectangle(box, fill=(235, 235, 235))
        folder = root / image_dir.format(wnid=WNIDS[boxes[0][0]])
        folder.mkdir(parents=True, exist_ok=True)
        if image_id not in skip_images:
            image.save(folder / f"{image_id}.JPEG", quality=95)
        rows.append(f"{image_id}," + " ".join(f"{WNIDS[c]} {x0} {y0} {x1} {y1}" for c, x0, y0, x1, y1 in boxes))
        if not annotations.endswith(".csv"):
            objects = "".join(f"<object><name>{WNIDS[c]}</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
                              f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>" for c, x0, y0, x1, y1 in boxes)
            (root / annotations).mkdir(parents=True, exist_ok=True)
            (root / annotations / f"{image_id}.xml").write_text(
                f"<annotation><filename>{image_id}</filename><size><width>{width}</width><height>{height}</height>"
                f"<depth>3</depth></size>{objects}</annotation>")
    if annotations.endswith(".csv"):
        (root / annotations).write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """Small forward passes: one thread is faster than two on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", params=list(LAYOUTS))
def root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp(request.param), request.param)


# -- images -------------------------------------------------------------------------------------

def test_the_paper_filter_keeps_one_small_box_inside_the_crop(root: Path) -> None:
    image_set = imagenet.load(root, 100, 0)
    assert set(image_set.ids) == KEPT and len(image_set) == len(KEPT)
    assert image_set.images.shape == (len(KEPT), 3, 224, 224)
    assert 0 <= image_set.images.min() and image_set.images.max() <= 1
    names = imagenet.ClassNames(root)
    assert len(names) == 3 and names[1] == "class 1, a name"
    assert list(imagenet.ClassNames(None)) == []  # no root, no names (and no images)


def test_boxes_land_where_they_were_drawn(root: Path) -> None:
    image_set = imagenet.load(root, 100, 0)
    for image, label, box, image_id in zip(image_set.images, image_set.labels, image_set.boxes, image_set.ids):
        ys, xs = torch.nonzero(image.mean(dim=0) > 0.5, as_tuple=True)
        drawn = torch.stack([xs.min(), ys.min(), xs.max(), ys.max()])
        assert (drawn - box).abs().max() <= 1, (image_id, drawn.tolist(), box.tolist())
        assert int(label) == IMAGES[int(image_id[-8:])][2][0][0]
    # 256 x 256: no resize, the crop starts at (16, 16)
    assert image_set.boxes[image_set.ids.index("ILSVRC2012_val_00000006")].tolist() == [84, 64, 164, 184]
    assert image_set.boxes[image_set.ids.index("ILSVRC2012_val_00000001")].tolist()[0] == 0


def test_load_is_deterministic_prefix_stable_and_seeded(root: Path) -> None:
    whole = imagenet.load(root, 5, 0)
    assert whole.sha256() == imagenet.load(root, 5, 0).sha256()
    for n in range(1, 5):
        assert imagenet.load(root, n, 0).sha256() == whole.subset(list(range(n))).sha256()
    others = [imagenet.load(root, 5, seed).ids for seed in (1, 2, 3)]
    assert all(set(ids) == KEPT for ids in others) and any(ids != whole.ids for ids in others)


def test_load_decodes_only_the_images_it_returns(tmp_path: Path) -> None:
    first = imagenet.load(make_root(tmp_path / "all", "official"), 1, 0).ids[0]
    others = tuple(f"ILSVRC2012_val_{i:08d}" for i in IMAGES if f"ILSVRC2012_val_{i:08d}" != first)
    assert imagenet.load(make_root(tmp_path / "one", "official", skip_images=others), 1, 0).ids == (first,)


def test_missing_data_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(MissingFile, match="--xai-imagenet-root"):
        imagenet.load(None, 4, 0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingFile, match=re.escape(str(tmp_path / "empty" / "LOC_synset_mapping.txt"))):
        imagenet.load(tmp_path / "empty", 4, 0)
    (tmp_path / "empty" / "LOC_synset_mapping.txt").write_text("\n".join(WNIDS))
    with pytest.raises(MissingFile, match=r"\(<id>\.xml\) in one of .*empty/val, .*LOC_val_solution\.csv"):
        imagenet.load(tmp_path / "empty", 4, 0)
    root = make_root(tmp_path / "holes", "official", skip_images=tuple(KEPT))
    with pytest.raises(MissingFile, match=r"ILSVRC2012_val_000000\d\d\.JPEG not found; expected one of .*holes/val/"):
        imagenet.load(root, 4, 0)


# -- models -------------------------------------------------------------------------------------

ENTRIES = {e.name: e for e in ZOO}



@lru_cache(maxsize=None)
def random_net(arch: str) -> nn.Module:
    """A seeded random torchvision net whose logits depend on the input: He-initialised weights,
    random batch-norm affine parameters, batch-norm statistics measured on random images."""
    kwargs = {"aux_logits": True, "init_weights": False} if arch == "googlenet" else {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(sum(map(ord, arch)))
        net = getattr(models, arch)(weights=None, **kwargs)
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.uniform_(module.weight, 0.5, 1.5)
                nn.init.normal_(module.bias, 0, 0.1)
                module.momentum = None  # running statistics = the batch's
        with torch.no_grad():
            net.train()(torch.randn(4, 3, 64, 64))
    return net.eval()


def robustness_format(state: dict, entry: ZooEntry, prefix: str) -> dict:
    """A robustness AttackerModel checkpoint; the attacker's copy shares the tensors (written once)."""
    mean, std = (torch.tensor(v).view(3, 1, 1) for v in (entry.mean, entry.std))
    model = {"module.normalizer.new_mean": mean, "module.normalizer.new_std": std,
             "module.attacker.normalize.new_mean": mean, "module.attacker.normalize.new_std": std}
    for key, value in state.items():
        model[f"module.{prefix}{key}"] = value
        model[f"module.attacker.{prefix}{key}"] = value
    return {"model": model, "epoch": 90}


def write(path: Path, entry: ZooEntry, form: str, extra: object = None) -> None:
    state = random_net(entry.arch).state_dict()
    if form == "torchvision-old-keys":  # densenet's published files: norm.1.weight, not norm1.weight
        state = {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v for k, v in state.items()}
    elif form == "chen":
        state = {k.replace("classifier.6.", "last_layer.").replace(".branch4.1.", ".branch4_conv."): v
                 for k, v in state.items()}
    checkpoint = state
    if form in ("robustness", "chen"):
        checkpoint = robustness_format(state, entry, "model.")
    elif form == "robustness-custom-forward":
        checkpoint = robustness_format(state, entry, "model.model.")
    elif form == "advprop":
        model = {f"module.{k}": v for k, v in state.items()}
        for name, module in random_net(entry.arch).named_modules():
            if isinstance(module, nn.BatchNorm2d):
                model.update({f"module.{name}.aux_bn.{k}": torch.full_like(v, 3)  # wrong for clean images
                              for k, v in module.state_dict().items()})
        checkpoint = {"state_dict": model, "epoch": 105, "best_acc": 77.0}
    if extra is not None:
        checkpoint = {**checkpoint, "args": extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, path)


def assert_same_logits(entry: ZooEntry, net: nn.Module) -> None:
    spec = models_registry().models_of("imagenet")[entry.name]
    loaded = LoadedModel(spec=spec, net=net, device=torch.device("cpu"))
    images = loaded.normalize(torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
    reference = random_net(entry.arch)
    if entry.arch == "googlenet":
        reference.transform_input = entry.transform_input
    with torch.no_grad():
        logits = loaded(images)
        torch.testing.assert_close(logits, reference(images), rtol=1e-4, atol=1e-4)
        assert (logits[0] - logits[1]).abs().max() > 1e-2  # the input matters
        captured = []
        hook = loaded.layer(spec.cam_layer).register_forward_hook(lambda m, i, out: captured.append(out))
        loaded(images)
        hook.remove()
    if spec.gap_head:  # CAM's premise: the last linear layer on the pooled CAM layer gives the logits
        fc = [m for m in net.modules() if isinstance(m, nn.Linear)][-1]
        torch.testing.assert_close(fc(captured[0].mean(dim=(2, 3))), logits, rtol=1e-4, atol=1e-4)
    assert not net.training


@lru_cache(maxsize=None)
def models_registry() -> Registry:
    registry = Registry()
    register_builtins(registry)
    return registry


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home" / "hub" / "checkpoints"


# each format once per architecture family it applies to; alexnet (240 MB) is written once
@pytest.mark.parametrize(("name", "form"), [
    ("googlenet", "torchvision"), ("resnet50", "torchvision"), ("densenet161", "torchvision-old-keys"),
    ("mobilenet_v2", "torchvision"),
    ("resnet50-r", "robustness"), ("densenet161-r", "robustness-custom-forward"),
    ("mobilenet_v2-r", "robustness-custom-forward"),
    ("alexnet-r", "chen"), ("googlenet-r", "chen"),
    ("resnet50-pgd1", "advprop"),
])
def test_each_format_loads_the_model_it_was_made_from(tmp_path: Path, hub: Path, name: str, form: str) -> None:
    entry = ENTRIES[name]
    write(tmp_path / "weights" / entry.files[-1], entry, form)
    assert_same_logits(entry, load_model(entry, tmp_path / "weights"))


def test_weights_dir_comes_before_the_hub_cache(tmp_path: Path, hub: Path) -> None:
    entry = ENTRIES["mobilenet_v2"]
    write(hub / entry.files[0], entry, "torchvision")
    assert_same_logits(entry, load_model(entry, None))
    torch.save({k: torch.zeros_like(v) for k, v in random_net(entry.arch).state_dict().items()},
               tmp_path / entry.files[0])
    assert load_model(entry, tmp_path).features[0][0].weight.abs().sum() == 0


def test_full_unpickling_only_for_a_file_in_the_weights_dir(tmp_path: Path, hub: Path) -> None:
    entry = ENTRIES["mobilenet_v2-r"]
    write(hub / entry.files[0], entry, "robustness-custom-forward", extra=argparse.Namespace(arch="mobilenet"))
    with pytest.raises(RuntimeError, match="only a file in --xai-weights-dir is unpickled in full"):
        load_model(entry, tmp_path / "weights")
    (tmp_path / "weights").mkdir()
    (hub / entry.files[0]).rename(tmp_path / "weights" / entry.files[0])
    with pytest.warns(UserWarning, match="weights_only=False"):
        net = load_model(entry, tmp_path / "weights")
    assert_same_logits(entry, net)


def test_a_normalizer_other_than_the_spec_is_refused(tmp_path: Path, hub: Path) -> None:
    entry = ENTRIES["mobilenet_v2-r"]
    write(tmp_path / entry.files[0], dataclasses.replace(entry, half_normalised=True), "robustness-custom-forward")
    with pytest.raises(ValueError, match="normalizer's new_mean"):
        load_model(entry, tmp_path)


@pytest.mark.parametrize("given", [True, False])
def test_a_missing_checkpoint_names_its_files_and_folders(tmp_path: Path, hub: Path, given: bool) -> None:
    weights_dir = tmp_path / "weights" if given else None
    for entry in ZOO:
        with pytest.raises(MissingFile) as caught:
            load_model(entry, weights_dir)
        message = str(caught.value)
        assert all(name in message for name in entry.files) and str(hub) in message
        assert (str(weights_dir) if given else "--xai-weights-dir DIR (not given)") in message


# -- registration -------------------------------------------------------------------------------

TABLE_A1 = {  # model: EP areas, MP steps, RISE mask size and masks, LIME superpixels
    "alexnet": ([0.012, 0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 40),
    "alexnet-r": ([0.015, 0.03, 0.05, 0.1, 0.25, 0.5], 10, 3, 4000, 20),
    "googlenet": ([0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 40),
    "googlenet-r": ([0.025, 0.05, 0.1, 0.2], 10, 3, 8000, 40),
    "resnet50": ([0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 50),
    "resnet50-r": ([0.025, 0.05, 0.1, 0.2], 10, 4, 7000, 20),
    "mobilenet_v2": ([0.025, 0.05, 0.1, 0.2], 400, 6, 7000, 40),
    "mobilenet_v2-r": ([0.025, 0.05, 0.1, 0.2], 10, 4, 8000, 20),
    "densenet161": ([0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 50),
    "densenet161-r": ([0.025, 0.05, 0.1, 0.2], 10, 4, 7000, 50),
    "resnet50-pgd5": ([0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 50),
    "resnet50-pgd1": ([0.025, 0.05, 0.1, 0.2], 500, 7, 8000, 40),
}


def test_the_twelve_models_carry_table_a1_and_their_roles() -> None:
    registry = models_registry()
    assert registry.models_of("imagenet").names() == [e.name for e in ZOO] and set(TABLE_A1) == set(ENTRIES)
    for name, (areas, steps, size, masks, superpixels) in TABLE_A1.items():
        spec = registry.models_of("imagenet")[name]
        assert spec.method_params == {"ep": {"areas": tuple(areas)}, "mp": {"max_iter": steps},
                                      "rise": {"grid_size": size, "n_masks": masks},
                                      "lime": {"n_superpixels": superpixels}}
        for method, params in spec.method_params.items():  # the names are the methods' fields
            assert all(hasattr(registry.methods[method], field) for field in params)
    inputs = SimpleNamespace(models=registry.models_of("imagenet"))
    assert Inputs.cl_group(inputs, "resnet50-pgd5") == ("resnet50", "resnet50-r")
    assert Inputs.cl_group(inputs, "alexnet") == ("alexnet", "alexnet-r")
    benchmark = registry.benchmarks["imagenet"]
    assert (benchmark.default_images, benchmark.default_subset) == (2000, "cl")


def test_a_run_skips_naming_a_missing_file_and_runs_with_the_files(pytester: pytest.Pytester, hub: Path) -> None:
    args = ["--xai-benchmark=imagenet", "--xai-models=mobilenet_v2", "--xai-methods=gradient", "--xai-metrics=wsl",
            "--xai-subset=random", "--xai-images=3", f"--xai-weights-dir={pytester.path / 'w'}", "-rs",
            "-p", "no:cacheprovider", "-k", "test_cell"]
    result = pytester.runpytest(*args)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*missing file: model mobilenet_v2: expected mobilenet_v2-b0353104.pth*"])
    write(pytester.path / "w" / "mobilenet_v2-b0353104.pth", ENTRIES["mobilenet_v2"], "torchvision")
    root = make_root(pytester.path / "ilsvrc", "official")
    pytester.runpytest(*args, f"--xai-imagenet-root={root}").assert_outcomes(passed=1)
