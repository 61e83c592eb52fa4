"""The mini zoo's architectures, the PGD-L2 attack and the training command (tiny run)."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace

import pytest
import torch
from torch import nn

from pytest_xai.attacks import pgd_l2
from pytest_xai.benchmarks.base import MissingFile
from pytest_xai.benchmarks.mini import benchmark as mini_benchmark
from pytest_xai.benchmarks.mini import zoo as mini_zoo
from pytest_xai.benchmarks.mini.train import (V5_EPOCHS, V5_EPS, Config, _feature_phase, _one_feature_alone,
                                              _split_uint8, _texture_alone, _warm, _zoom, count_macs, default_config,
                                              main, spectral_decoupling, train)
from pytest_xai.benchmarks.mini.world import (GENERATOR_VERSION, IMAGE_SIZE, NUM_CLASSES, WORLDS, _texture_tiles,
                                              make_split)
from pytest_xai.registry import Registry
from pytest_xai.session import base_registry


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_zoo_names_and_roles():
    assert len(mini_zoo.MINI_MODELS) == 12
    assert set(mini_zoo.MINI_MODELS) == {f"{a}{s}" for a in ("alexnet", "googlenet", "resnet", "densenet", "mobilenet")
                                         for s in ("", "-r")} | {"resnet-pgd1", "resnet-pgd5"}
    trainings = [mini_zoo.MINI_INFO[n].training for n in mini_zoo.MINI_MODELS]
    assert trainings.count("vanilla") == 5 and trainings.count("robust") == 5 and trainings.count("advprop") == 2
    assert {n: mini_zoo.MINI_INFO[n].gap_head for n in ("alexnet", "googlenet", "resnet", "densenet", "mobilenet")} == {
        "alexnet": False, "googlenet": True, "resnet": True, "densenet": True, "mobilenet": False}


def test_known_failures_name_registered_claims_and_say_why():
    from pytest_xai.session import base_registry

    registry = base_registry()
    known = registry.benchmarks["mini"].known_failures
    assert known is mini_benchmark.KNOWN_FAILURES and set(known) <= set(registry.claims.names())
    assert all(len(reason) > 80 and any(ch.isdigit() for ch in reason) for reason in known.values())


def _spatially_flipped_logits(net: nn.Module, layer: str, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits with the cam layer's output flipped left-right, and that output itself."""
    seen = {}

    def flip(_module, _inputs, output):
        seen["a"] = output
        return output.flip(-1)

    handle = net.get_submodule(layer).register_forward_hook(flip)
    with torch.no_grad():
        logits = net(x)
    handle.remove()
    return logits, seen["a"]


@pytest.mark.parametrize("name", mini_zoo.MINI_MODELS)
def test_architecture(name):
    info = mini_zoo.MINI_INFO[name]
    torch.manual_seed(0)
    net = mini_zoo.build(name).eval()
    x = torch.randn(2, 3, IMAGE_SIZE, IMAGE_SIZE)
    with torch.no_grad():
        logits = net(x)
    assert logits.shape == (2, NUM_CLASSES) and torch.isfinite(logits).all()

    order: list[nn.Module] = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in net.modules() if not list(m.children())]
    with torch.no_grad():
        net(x)
    for hook in hooks:
        hook.remove()
    cam = net.get_submodule(info.cam_layer)
    last_in_cam = max(i for i, m in enumerate(order) if any(m is c for c in cam.modules()))
    assert not any(isinstance(m, nn.Conv2d) for m in order[last_in_cam + 1:]), "cam_layer is not the last conv block"

    flipped, activation = _spatially_flipped_logits(net, info.cam_layer, x)
    assert activation.ndim == 4 and activation.shape[-1] >= 4
    if info.gap_head:
        linear = [m for m in net.modules() if isinstance(m, nn.Linear)]
        assert len(linear) == 1
        torch.testing.assert_close(linear[0](activation.mean((2, 3))), logits, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(flipped, logits, rtol=1e-4, atol=1e-4)
    else:
        assert not torch.allclose(flipped, logits, rtol=1e-3, atol=1e-7), "the head ignores where features are"


def test_advprop_evaluates_with_main_batch_norms(tmp_path):
    torch.manual_seed(0)
    net = mini_zoo.build("resnet-pgd1")
    duals = [m for m in net.modules() if isinstance(m, mini_zoo.DualBatchNorm2d)]
    assert duals and not any(isinstance(m, nn.BatchNorm2d) and not any(m is d.main or m is d.aux for d in duals)
                             for m in net.modules())
    x = torch.rand(4, 3, IMAGE_SIZE, IMAGE_SIZE)
    net.train()
    mini_zoo.set_aux_bn(net, True)
    net(x * 3)                          # aux statistics drift away from the main ones
    mini_zoo.set_aux_bn(net, False)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    torch.save(state, tmp_path / "resnet-pgd1.pt")
    sha = hashlib.sha256((tmp_path / "resnet-pgd1.pt").read_bytes()).hexdigest()
    (tmp_path / "resnet-pgd1.json").write_text(json.dumps({"sha256": sha, "generator_version": GENERATOR_VERSION}))
    loaded = mini_zoo.load("resnet-pgd1", tmp_path)
    assert not loaded.training and not any(m.use_aux for m in loaded.modules()
                                           if isinstance(m, mini_zoo.DualBatchNorm2d))
    with torch.no_grad():
        main_out = loaded(x)
        mini_zoo.set_aux_bn(loaded, True)
        aux_out = loaded(x)
    assert not torch.allclose(main_out, aux_out)
    net.eval()
    with torch.no_grad():
        torch.testing.assert_close(net(x), main_out)
    (tmp_path / "resnet-pgd1.json").write_text(json.dumps({"sha256": "0" * 64, "generator_version": GENERATOR_VERSION}))
    with pytest.raises(ValueError, match="sha256"):
        mini_zoo.load("resnet-pgd1", tmp_path)


def test_count_macs_of_a_known_net():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1, groups=2),
                        nn.Flatten(), nn.Linear(4 * 8 * 8, 10))
    assert count_macs(net, size=8) == 64 * 4 * 27 + 64 * 4 * 18 + 256 * 10


def _brightness_model() -> nn.Module:
    """Class 1 iff the mean normalised pixel is positive (i.e. the image is brighter than 0.5)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
    with torch.no_grad():
        net[1].weight.copy_(torch.stack([-torch.ones(192), torch.ones(192)]) / 192)
        net[1].bias.zero_()
    return net.eval()


def test_pgd_l2_stays_in_budget_and_lowers_accuracy():
    labels = torch.arange(8) % 2
    images = (0.35 + 0.3 * labels.float()).view(-1, 1, 1, 1).expand(8, 3, 8, 8).clone()
    images += 0.05 * torch.rand(images.shape, generator=torch.Generator().manual_seed(0))
    net = _brightness_model()
    mean, std = (0.5,) * 3, (0.5,) * 3
    assert (net((images - 0.5) / 0.5).argmax(1) == labels).all()
    for eps, fooled in ((0.5, False), (3.0, True)):    # flipping needs L2 ~ 0.15 * sqrt(192) = 2.1
        adv = pgd_l2(net, images, labels, eps, steps=10, step_size=eps / 4, mean=mean, std=std)
        assert adv.min() >= 0 and adv.max() <= 1
        assert ((adv - images).flatten(1).norm(dim=1) <= eps + 1e-5).all()
        accuracy = (net((adv - 0.5) / 0.5).argmax(1) == labels).float().mean().item()
        assert accuracy == (0.0 if fooled else 1.0)
    start = pgd_l2(net, images, labels, 0.5, 0, 0.1, mean, std, generator=torch.Generator().manual_seed(1))
    assert ((start - images).flatten(1).norm(dim=1) <= 0.5 + 1e-5).all() and not torch.equal(start, images)


def test_curriculum_starts_on_tight_crops_of_the_digit():
    cfg = default_config("resnet", world=WORLDS[3])     # v3's recipe has the curriculum for every net
    assert [_warm(cfg, e) for e in (0.0, cfg.tight_epochs, cfg.tight_epochs + cfg.curriculum / 2)] == [0.0, 0.0, 0.5]
    assert _warm(cfg, cfg.tight_epochs + cfg.curriculum) == 1.0
    assert cfg.clean_epochs >= cfg.tight_epochs + cfg.curriculum  # no attack before the crops have widened
    torch.manual_seed(0)
    images = torch.zeros(16, 3, IMAGE_SIZE, IMAGE_SIZE)
    boxes = torch.tensor([[x, y, x + 9, y + 13] for x, y in torch.randint(0, IMAGE_SIZE - 14, (16, 2)).tolist()])
    for image, (x0, y0, x1, y1) in zip(images, boxes.tolist()):
        image[:, y0:y1 + 1, x0:x1 + 1] = 1.0
    share = _zoom(images, boxes, p=0.5, warm=0.0).mean((1, 2, 3))
    # every image is a crop of side max(box side) + 9 = 22 px around the whole 10 x 14 box
    assert ((share - 10 * 14 / 22**2).abs() < 0.03).all()
    assert torch.equal(_zoom(images, boxes, p=0.0, warm=1.0), images)


def test_texture_first_epochs_show_the_images_without_their_digit():
    """The digit's box (inclusive) is grey, everything outside it as it was."""
    world = WORLDS[4]
    images, labels, boxes = make_split("test", 4, 0, world=world)
    grey = _texture_alone(images, labels, boxes, world)
    for image, out, (x0, y0, x1, y1) in zip(images, grey, boxes.tolist()):
        assert (out[:, y0:y1 + 1, x0:x1 + 1] == 0.5).all()
        out[:, y0:y1 + 1, x0:x1 + 1] = image[:, y0:y1 + 1, x0:x1 + 1]
        assert torch.equal(out, image)
    assert default_config("googlenet").texture_first == 0.0      # the shipped recipe does not use it


def test_texture_first_keeps_a_texture_that_lies_in_the_box():
    """With the texture in the box alone, the grey box holds the label's texture: each 4 x 4
    block of the box is the label's tile at some phase, and no other label's."""
    world = replace(WORLDS[4], texture=4, texture_box_only=True)
    images, labels, boxes = make_split("test", 6, 0, world=world)
    out = _texture_alone(images, labels, boxes, world)
    tiles = torch.from_numpy(_texture_tiles()).permute(0, 3, 1, 2).float()       # [C, 3, 4, 4] of +-1
    for original, image, label, (x0, y0, x1, y1) in zip(images, out, labels.tolist(), boxes.tolist()):
        block = ((image[:, y0:y0 + 4, x0:x0 + 4] - 0.5) * 255 / world.texture).round()
        phases = [torch.roll(tiles, (dy, dx), (2, 3)) for dy in range(4) for dx in range(4)]
        matches = {c for rolled in phases for c in range(10) if torch.equal(rolled[c], block)}
        assert matches == {label}
        outside = torch.ones_like(image[0], dtype=torch.bool)
        outside[y0:y1 + 1, x0:x1 + 1] = False
        assert torch.equal(image[:, outside], original[:, outside])


def test_feature_phases_show_the_texture_then_the_digit_then_both():
    cfg = Config(epochs=8, texture_first=2.0, digit_alone=1.5)
    phases = [_feature_phase(cfg, progress) for progress in (0.0, 1.99, 2.0, 3.49, 3.5, 7.9)]
    assert phases == ["texture", "texture", "digit", "digit", "both", "both"]
    assert _feature_phase(Config(epochs=8), 0.0) == "both"


def test_feature_mix_shows_a_share_of_the_batch_one_feature_alone():
    """Of a batch, about ``share`` of the images are replaced: half by the texture alone (box
    grey), half by the digit alone (the image drawn without the texture); the rest as drawn."""
    world = WORLDS[4]
    images, labels, boxes = make_split("test", 400, 0, world=world)
    plain = make_split("test", 400, 0, world=replace(world, texture=0))[0]
    torch.manual_seed(0)
    out = _one_feature_alone(images, plain, labels, boxes, world, share=0.5)
    grey = _texture_alone(images, labels, boxes, world)
    kinds = [("whole" if torch.equal(o, i) else "texture" if torch.equal(o, g) else "digit" if torch.equal(o, d)
              else "other") for o, i, g, d in zip(out, images, grey, plain)]
    counts = {k: kinds.count(k) for k in ("whole", "texture", "digit", "other")}
    assert counts["other"] == 0, counts
    assert 160 <= counts["whole"] <= 240 and 70 <= counts["texture"] <= 130 and 70 <= counts["digit"] <= 130, counts
    assert torch.equal(_one_feature_alone(images, plain, labels, boxes, world, share=0.0), images)


def test_spectral_decoupling_pulls_every_logit_towards_zero_in_proportion():
    """The penalty is strength x the mean square of the logits, so its gradient on each logit is
    2 x strength x logit / count: the larger a logit, the harder it is pulled back."""
    logits = torch.tensor([[3.0, -1.0], [0.0, 2.0]], requires_grad=True)
    penalty = spectral_decoupling(logits, 0.1)
    assert penalty.item() == pytest.approx(0.1 * (9 + 1 + 0 + 4) / 4)
    penalty.backward()
    assert torch.allclose(logits.grad, 0.1 * 2 * logits.detach() / 4)
    assert default_config("resnet").logit_penalty == 0.0 == Config(epochs=1).logit_penalty


def test_training_data_cache_tells_apart_worlds_of_one_version(tmp_path):
    """A world drawn without its texture keeps its version; its cached split must not be the other's."""
    world = WORLDS[4]
    textured = _split_uint8("test", 4, 0, tmp_path, world)[0]
    plain = _split_uint8("test", 4, 0, tmp_path, replace(world, texture=0))[0]
    assert not torch.equal(textured, plain)
    assert torch.equal(_split_uint8("test", 4, 0, tmp_path, world)[0], textured)     # read back from the cache
    assert len(list(tmp_path.glob("*.pt"))) == 2


@pytest.mark.slow
def test_train_tiny_end_to_end(tmp_path, capsys):
    args = ["--model", "resnet-pgd1", "--model", "alexnet-r", "--tiny",
            "--weights-dir", str(tmp_path / "w"), "--runs-dir", str(tmp_path / "runs")]
    main(args)
    for name in ("resnet-pgd1", "alexnet-r"):
        card = mini_zoo.card(name, tmp_path / "w")
        assert card["sha256"] == hashlib.sha256((tmp_path / "w" / f"{name}.pt").read_bytes()).hexdigest()
        for key in ("clean_accuracy", "pgd_accuracy", "mean_confidence", "params", "macs", "train_seconds",
                    "epochs", "seed", "generator_version", "torch_version", "pgd"):
            assert key in card
        assert card["params"] == sum(p.numel() for p in mini_zoo.build(name).parameters())
        assert mini_zoo.load(name, tmp_path / "w")(torch.rand(1, 3, IMAGE_SIZE, IMAGE_SIZE)).shape == (1, NUM_CLASSES)
        assert (tmp_path / "runs" / name / "epoch-001.ckpt").exists()
    first = mini_zoo.card("alexnet-r", tmp_path / "w")["sha256"]
    main(["--model", "alexnet-r", *args[4:]])
    assert "resuming after epoch 1" in capsys.readouterr().out
    assert mini_zoo.card("alexnet-r", tmp_path / "w")["sha256"] == first


@pytest.mark.slow
def test_jobs_put_each_robust_model_after_its_twin_and_train_in_parallel(tmp_path):
    from pytest_xai.benchmarks.mini.train import chains

    assert chains(["alexnet-r", "resnet", "resnet-placebo", "alexnet", "resnet-r", "resnet-pgd1"]) == [
        ["resnet", "resnet-r"], ["alexnet", "alexnet-r"], ["resnet-pgd1"], ["resnet-placebo"]]
    assert chains(["resnet-r"]) == [["resnet-r"]]          # its twin is trained already
    main(["--model", "alexnet", "--model", "alexnet-r", "--model", "mobilenet", "--tiny", "--jobs", "2",
          "--weights-dir", str(tmp_path / "w"), "--runs-dir", str(tmp_path / "runs")])
    assert sorted(p.name for p in (tmp_path / "w").glob("*.pt")) == ["alexnet-r.pt", "alexnet.pt", "mobilenet.pt"]
    with pytest.raises(SystemExit):
        main(["--all", "--jobs", "0", "--weights-dir", str(tmp_path / "w")])


@pytest.mark.slow
def test_a_robust_run_starts_from_its_vanilla_twins_clean_epochs(tmp_path, capsys):
    cfg = Config(epochs=2, train_images=32, test_images=8, pgd_images=4, batch_size=16, tight_epochs=0.25,
                 curriculum=0.25, clean_epochs=1, ramp_epochs=0.5)
    train("alexnet", cfg, tmp_path / "w", tmp_path / "shared")
    train("alexnet-r", cfg, tmp_path / "w", tmp_path / "shared")
    assert "[alexnet-r] resuming after epoch 1 of alexnet" in capsys.readouterr().out
    assert [p.name for p in (tmp_path / "shared" / "alexnet-r").glob("*.ckpt")] == ["epoch-002.ckpt"]
    shared = torch.load(tmp_path / "w" / "alexnet-r.pt", weights_only=True)
    train("alexnet-r", cfg, tmp_path / "w2", tmp_path / "alone")      # from scratch, no twin in runs/
    alone = torch.load(tmp_path / "w2" / "alexnet-r.pt", weights_only=True)
    assert all(torch.equal(shared[k], alone[k]) for k in alone)
    shutil.rmtree(tmp_path / "shared" / "alexnet-r")
    train("alexnet-r", replace(cfg, epochs=3), tmp_path / "w3", tmp_path / "shared")  # twin made with other epochs
    assert "resuming" not in capsys.readouterr().out


def test_an_untrained_model_says_how_to_train_it(tmp_path):
    with pytest.raises(MissingFile, match=r"python -m pytest_xai\.benchmarks\.mini\.train --model densenet-r"):
        mini_zoo.load("densenet-r", tmp_path)


def test_a_model_trained_on_older_images_is_not_used(tmp_path):
    torch.save(mini_zoo.build("resnet").state_dict(), tmp_path / "resnet.pt")
    (tmp_path / "resnet.json").write_text(json.dumps({"generator_version": GENERATOR_VERSION - 1, "sha256": ""}))
    assert not mini_zoo.is_trained("resnet", tmp_path)
    with pytest.raises(MissingFile, match=rf"generator version {GENERATOR_VERSION - 1}, the data is now version "
                                          rf"{GENERATOR_VERSION}: retrain it with `python -m pytest_xai"):
        mini_zoo.load("resnet", tmp_path)
    registry = Registry()
    mini_benchmark.register_mini(registry, tmp_path)
    spec = next(e.obj for e in registry.models_of("mini") if e.name == "resnet")
    assert spec.weights == "resnet.pt, stale: trained on images of an older generator version" and spec.card == {}


def test_registered_as_the_mini_benchmark(tmp_path):
    registry = Registry()
    mini_benchmark.register_mini(registry, tmp_path)
    assert registry.benchmarks.names() == ["mini"]
    specs = {entry.name: entry.obj for entry in registry.models_of("mini")}
    assert tuple(specs) == mini_zoo.MINI_MODELS
    assert specs["resnet-r"].all_tags == ("robust", "resnet")
    assert specs["resnet-pgd5"].all_tags == ("advprop", "resnet")
    assert specs["mobilenet"].cam_layer == "features" and not specs["mobilenet"].gap_head
    assert specs["alexnet-r"].method_params["mp"] == {"max_iter": 10}
    assert specs["alexnet"].method_params == {}
    assert specs["resnet"].card == {} and specs["resnet"].weights == "resnet.pt, not trained yet"
    with pytest.raises(MissingFile):
        specs["resnet"].loader()


def test_the_committed_vanilla_resnet_matches_its_card():
    card = mini_zoo.card("resnet")
    net = mini_zoo.load("resnet")                           # checks the file's sha256 against the card
    images, labels, _ = make_split("test", 200, 0)
    with torch.no_grad():
        accuracy = (net((images - 0.5) / 0.5).argmax(1) == labels).float().mean().item()
    # the card's accuracy is on 2000 test images; 200 of them agree within sampling error
    assert abs(accuracy - card["clean_accuracy"]) < 0.1


def test_mini_control_registers_the_placebo_as_resnets_robust_twin(tmp_path):
    registry = Registry()
    mini_benchmark.register_mini_control(registry, tmp_path)
    specs = {entry.name: entry.obj for entry in registry.models_of("mini-control")}
    assert list(specs) == ["resnet", "resnet-r"]
    assert (specs["resnet"].training, specs["resnet-r"].training) == ("vanilla", "robust")
    assert specs["resnet-r"].arch == specs["resnet"].arch == "resnet"
    assert specs["resnet-r"].weights.startswith("resnet-placebo.pt, not trained yet; a vanilla model (seed 1)")
    assert specs["resnet-r"].method_params == {}, "the placebo takes a vanilla model's method settings"
    with pytest.raises(MissingFile, match="resnet-placebo"):
        specs["resnet-r"].loader()


def test_the_placebo_trains_like_resnet_but_with_another_seed():
    resnet, placebo = (default_config(n) for n in ("resnet", "resnet-placebo"))
    assert placebo.seed != resnet.seed and replace(placebo, seed=resnet.seed) == resnet


def test_v5_takes_the_v4_recipe_with_the_digit_first_and_its_own_eps_and_epochs():
    """The knobs V5's recipe sets and nothing else; a vanilla model and its robust twin share
    one config, so the twin starts from the vanilla model's clean epochs (``_clean_start``)."""
    v4, v5 = WORLDS[4], WORLDS[5]
    for name in ("resnet", "resnet-r", "googlenet", "alexnet-r", "resnet-pgd5"):
        old, new = default_config(name, world=v4), default_config(name, world=v5)
        arch = name.split("-")[0]
        assert (new.digit_alone, new.eps, new.generator_version) == (2.0, V5_EPS, 5)
        assert new.epochs == V5_EPOCHS.get(arch, 8)
        assert replace(new, digit_alone=0.0, eps=1.0, epochs=8, generator_version=4) == old
    assert default_config("resnet", world=v5) == default_config("resnet-r", world=v5)
    assert default_config("resnet", world=v5, epochs=3).epochs == 3


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_a_corrupt_card_names_its_file_and_the_rebuild_command_and_affects_only_its_model(tmp_path, content):
    shutil.copy(mini_zoo.WEIGHTS_DIR / "resnet.pt", tmp_path / "resnet.pt")
    shutil.copy(mini_zoo.WEIGHTS_DIR / "resnet.json", tmp_path / "resnet.json")
    (tmp_path / "densenet.json").write_text(content)
    registry = Registry()
    mini_benchmark.register_mini(registry, tmp_path)                  # registering all 12 models does not stop here
    specs = {entry.name: entry.obj for entry in registry.models_of("mini")}
    assert specs["densenet"].weights == "densenet.pt, its card densenet.json is corrupt"
    assert specs["resnet"].loader() is not None                 # the other models load
    (tmp_path / "densenet.pt").write_bytes(b"")
    with pytest.raises(mini_zoo.CorruptFile, match=r"model densenet: its card .*densenet.json is corrupt .*; "
                                                   r"rebuild it with `python -m pytest_xai.benchmarks.mini.train --model densenet`"):
        specs["densenet"].loader()


def test_weights_that_do_not_match_their_card_name_the_rebuild_command(tmp_path):
    shutil.copy(mini_zoo.WEIGHTS_DIR / "resnet.json", tmp_path / "resnet.json")
    (tmp_path / "resnet.pt").write_bytes(b"truncated")
    with pytest.raises(mini_zoo.CorruptFile, match=r"does not match the sha256 of its card; retrain it with"):
        mini_zoo.load("resnet", tmp_path)
    with pytest.raises(mini_zoo.CorruptFile, match=r"does not match the sha256 of its card"):
        mini_zoo.weights_digest("resnet", tmp_path)


def test_the_store_keys_on_the_checked_weights_file_without_building_the_model(tmp_path):
    from pytest_xai.evaluation.records import Evaluator
    from pytest_xai.settings import settings_from

    cfg = settings_from({"models": "resnet", "cache-dir": "store"}, root=tmp_path)
    inputs = Evaluator(base_registry(), cfg, torch.device("cpu")).inputs
    assert inputs.model_key("resnet")["weights"] == "file-sha256:" + mini_zoo.card("resnet")["sha256"]
    assert "resnet" not in inputs._models
