"""The `mini` benchmark's image generator: determinism, boxes, split hygiene."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

from pytest_xai.benchmarks.mini import world as mini

# sha256 of the uint8 pixels, label and box of ("test", i, 0) for i in 0..3; they change
# only when GENERATOR_VERSION does (update both together).
PINNED_VERSION = 3
PINNED = "5135337e1adf0299443324475bc91fe115aacac52cd7b2f2a5ccbda07aa73869"


def _digest(samples: list[tuple[torch.Tensor, int, torch.Tensor]]) -> str:
    digest = hashlib.sha256()
    for image, label, box in samples:
        digest.update(image.mul(255).round().to(torch.uint8).numpy().tobytes())
        digest.update(np.array([label, *box.tolist()], dtype=np.int64).tobytes())
    return digest.hexdigest()


def test_constants():
    assert mini.NUM_CLASSES == len(mini.CLASS_NAMES) == 10
    assert mini.IMAGE_SIZE == 64


def test_sample_is_a_pure_function_of_split_index_seed():
    image, label, box = mini.make_sample("test", 7, 3)
    again = mini.make_sample("test", 7, 3)
    assert torch.equal(image, again[0]) and label == again[1] and torch.equal(box, again[2])
    assert image.dtype == torch.float32 and image.shape == (3, mini.IMAGE_SIZE, mini.IMAGE_SIZE)
    assert box.dtype == torch.long and box.shape == (4,)
    assert 0 <= image.min() and image.max() <= 1
    assert torch.equal(image.mul(255).round().div(255), image), "pixels are 8-bit levels"
    for other in (mini.make_sample("test", 8, 3), mini.make_sample("test", 7, 4), mini.make_sample("train", 7, 3)):
        assert not torch.equal(image, other[0])


def test_make_split_matches_make_sample():
    images, labels, boxes = mini.make_split("train", 5, 11)
    assert images.shape == (5, 3, mini.IMAGE_SIZE, mini.IMAGE_SIZE) and labels.shape == (5,) and boxes.shape == (5, 4)
    for i in range(5):
        image, label, box = mini.make_sample("train", i, 11)
        assert torch.equal(images[i], image) and labels[i] == label and torch.equal(boxes[i], box)
    tail = mini.make_split("train", 2, 11, start=3)
    assert torch.equal(tail[0], images[3:]) and torch.equal(tail[2], boxes[3:])


def test_pinned_checksum():
    assert mini.GENERATOR_VERSION == PINNED_VERSION, "pixels changed: update PINNED and PINNED_VERSION"
    assert _digest([mini.make_sample("test", i, 0) for i in range(4)]) == PINNED


@pytest.mark.parametrize("split", mini.SPLITS)
def test_boxes_inside_image_and_at_most_half_of_it(split):
    images, labels, boxes = mini.make_split(split, 300, 0)
    size = mini.IMAGE_SIZE
    x0, y0, x1, y1 = boxes.T
    assert (x0 >= 0).all() and (y0 >= 0).all() and (x1 < size).all() and (y1 < size).all()
    assert (x1 > x0).all() and (y1 > y0).all()
    assert ((x1 - x0 + 1) * (y1 - y0 + 1) <= size * size // 2).all()
    assert set(labels.tolist()) == set(range(mini.NUM_CLASSES))


def test_train_and_test_use_disjoint_digit_samples():
    train, test = set(mini.digit_indices("train").tolist()), set(mini.digit_indices("test").tolist())
    assert not train & test and len(train) + len(test) == 1797 and len(test) > 300
    for split, pool in (("train", train), ("test", test)):
        used = {mini._sample_uint8(split, i, 0)[3] for i in range(200)}
        assert used <= pool


def test_the_class_photograph_is_drawn_with_the_context_probability():
    keyed = mini.in_context("test", 2000, 0)
    expected = mini.WORLD.context_p + (1 - mini.WORLD.context_p) / len(mini._PHOTOS)
    assert abs(keyed.float().mean().item() - expected) < 0.035          # 3 standard errors
    assert torch.equal(keyed[5:10], mini.in_context("test", 5, 0, start=5))


def test_unknown_split():
    with pytest.raises(ValueError):
        mini.make_sample("val", 0, 0)


def test_benchmark_load_is_prefix_stable_with_ids():
    small, large = mini.load(3, 7), mini.load(5, 7)
    assert small.ids == ("mini-test-7-0", "mini-test-7-1", "mini-test-7-2") == large.ids[:3]
    torch.testing.assert_close(small.images, large.images[:3])
    torch.testing.assert_close(small.boxes, large.boxes[:3])
    image, label, box = mini.make_sample("test", 4, 7)
    torch.testing.assert_close(large.images[4], image)
    assert int(large.labels[4]) == label and large.boxes[4].tolist() == box.tolist()


TEXTURED = mini.World(version=990, digit_side=(18, 34), distractors=(0, 3), letters=(0, 0), context_p=0.0,
                      texture=2, texture_presence=0.5)


def test_the_texture_is_the_labels_pattern_outside_the_box_on_its_share_of_images():
    """The non-robust feature: removing it (same world, texture 0) changes nothing but the
    pixels outside the digit's box, by at most its amplitude, on about its share of images."""
    import dataclasses

    n = 400
    images, labels, boxes = mini.make_split("test", n, 0, world=TEXTURED)
    plain, plain_labels, plain_boxes = mini.make_split("test", n, 0, world=dataclasses.replace(TEXTURED, texture=0))
    assert torch.equal(labels, plain_labels) and torch.equal(boxes, plain_boxes)
    diff = (images - plain).mul(255).round()
    textured = diff.flatten(1).abs().amax(1) > 0
    assert abs(textured.float().mean().item() - TEXTURED.texture_presence) < 3 * (0.25 / n) ** 0.5
    assert diff.abs().max() <= TEXTURED.texture
    for i in range(n):
        x0, y0, x1, y1 = boxes[i].tolist()
        assert not diff[i, :, y0:y1 + 1, x0:x1 + 1].any()
    # Away from the clipping at 0 and 255 the difference is the label's tile, periodic with its side.
    i = int(textured.nonzero()[0])
    tile = mini._TEXTURE_TILE
    x0, y0, x1, y1 = boxes[i].tolist()
    rows = [y for y in range(64 - tile) if not (y0 - tile <= y <= y1)]
    interior = (plain[i] > 3 / 255) & (plain[i] < 252 / 255)
    shifted = interior[:, rows] & interior[:, [r + tile for r in rows]]
    assert torch.equal(diff[i][:, rows][shifted], diff[i][:, [r + tile for r in rows]][shifted])


def test_a_coarse_texture_is_constant_over_its_cells():
    """With ``texture_cell`` 2 the difference the texture makes is constant over 2 x 2 blocks
    (at the pattern's phase, away from clipping), where a texture of 1-px cells is not."""
    import dataclasses

    def blocks_constant(world: mini.World) -> bool:
        images, _, boxes = mini.make_split("test", 8, 0, world=world)
        plain = mini.make_split("test", 8, 0, world=dataclasses.replace(world, texture=0))[0]
        diff = (images - plain).mul(255).round()
        i = int((diff.flatten(1).abs().amax(1) > 0).nonzero()[0])
        x0, y0, x1, y1 = boxes[i].tolist()
        usable = (plain[i] > 3 / 255).all(0) & (plain[i] < 252 / 255).all(0)
        usable[max(0, y0 - 2):y1 + 3, max(0, x0 - 2):x1 + 3] = False       # the box, with a margin
        for oy in range(2):
            for ox in range(2):
                cells = [(y, x) for y in range(oy, 63, 2) for x in range(ox, 63, 2) if usable[y:y + 2, x:x + 2].all()]
                if cells and all((diff[i, :, y:y + 2, x:x + 2] == diff[i, :, y:y + 1, x:x + 1]).all()
                                 for y, x in cells):
                    return True
        return False

    coarse = dataclasses.replace(TEXTURED, version=991, texture_presence=1.0, texture_cell=2)
    assert blocks_constant(coarse)
    assert not blocks_constant(dataclasses.replace(coarse, texture_cell=1))


def test_texture_groups_give_two_digits_one_texture_and_no_digit_its_own():
    """With ``texture_groups`` 5 the labels l and l + 5 share a texture and the five groups'
    textures differ, so the texture names a pair of digits, never the digit."""
    import dataclasses

    import pytest

    grouped = dataclasses.replace(TEXTURED, version=992, texture_presence=1.0, texture_groups=5)
    patterns = [mini.texture_pattern(grouped, label, 1, 2) for label in range(mini.NUM_CLASSES)]
    for label in range(5):
        assert (patterns[label] == patterns[label + 5]).all()
    assert all((patterns[a] != patterns[b]).any() for a in range(5) for b in range(a))
    ten = [mini.texture_pattern(TEXTURED, label, 1, 2) for label in range(mini.NUM_CLASSES)]
    assert all((ten[label] != ten[label + 5]).any() for label in range(5))
    with pytest.raises(ValueError, match="texture_groups"):
        dataclasses.replace(TEXTURED, texture_groups=0)


def test_with_digit_fidelity_the_digit_is_another_class_on_the_rest_of_the_images():
    """``digit_fidelity`` 0.8: about 80 % of images show a digit of their label, the rest one of
    another class, and the label's texture stays on every image."""
    import dataclasses

    import numpy as np

    world = dataclasses.replace(TEXTURED, version=993, texture_presence=1.0, digit_fidelity=0.8)
    pool = mini._pool("test")
    n = 400
    faithful = []
    for i in range(n):
        _, label, _, digit, _ = mini._sample_uint8("test", i, 0, world)
        faithful.append(bool(np.isin(digit, pool[label])))
    assert abs(np.mean(faithful) - 0.8) < 3 * (0.16 / n) ** 0.5
    plain_samples = [mini._sample_uint8("test", i, 0, TEXTURED) for i in range(50)]
    assert all(np.isin(digit, pool[label]) for _, label, _, digit, _ in plain_samples)


def test_faithful_test_keeps_the_digit_noise_to_the_training_split():
    """With ``faithful_test`` the training images are those of the noisy world (some digits of
    another class) and the test images those of the same world with every digit the label's."""
    import dataclasses

    import numpy as np

    noisy = dataclasses.replace(TEXTURED, version=993, texture_presence=1.0, digit_fidelity=0.8)
    faithful_test = dataclasses.replace(noisy, faithful_test=True)
    clean = dataclasses.replace(noisy, digit_fidelity=1.0)
    pool = mini._pool("train")
    train = [mini._sample_uint8("train", i, 0, faithful_test) for i in range(60)]
    for i, (pixels, label, box, digit, _) in enumerate(train):
        noisy_pixels, noisy_label, noisy_box, noisy_digit, _ = mini._sample_uint8("train", i, 0, noisy)
        assert (label, box, digit) == (noisy_label, noisy_box, noisy_digit)
        assert np.array_equal(pixels, noisy_pixels)
    assert not all(np.isin(digit, pool[label]) for _, label, _, digit, _ in train)
    for i in range(60):
        pixels, *rest = mini._sample_uint8("test", i, 0, faithful_test)
        clean_pixels, *clean_rest = mini._sample_uint8("test", i, 0, clean)
        assert rest == clean_rest and np.array_equal(pixels, clean_pixels)


def test_a_ring_texture_lies_only_between_its_gap_and_its_outer_edge():
    """With ``texture_ring`` (gap, width) the texture changes only pixels whose Chebyshev
    distance from the box is gap .. gap + width - 1, and the layout is the same as without it."""
    import dataclasses

    ring = dataclasses.replace(TEXTURED, version=994, texture_presence=1.0, texture_ring=(4, 8))
    images, labels, boxes = mini.make_split("test", 12, 0, world=ring)
    plain, plain_labels, plain_boxes = mini.make_split("test", 12, 0, world=dataclasses.replace(ring, texture=0))
    assert torch.equal(labels, plain_labels) and torch.equal(boxes, plain_boxes)
    changed = (images - plain).abs().amax(1) > 0
    ys, xs = torch.arange(64).view(64, 1), torch.arange(64).view(1, 64)
    for i in range(12):
        x0, y0, x1, y1 = boxes[i].tolist()
        distance = torch.maximum((x0 - xs).clamp(min=0) + (xs - x1).clamp(min=0),
                                 (y0 - ys).clamp(min=0) + (ys - y1).clamp(min=0))
        in_ring = (distance >= 4) & (distance <= 11)
        assert not changed[i][~in_ring].any()
        assert changed[i][in_ring].float().mean() > 0.5        # all but the pixels clipped at 0 or 255
    for bad in ((0, 8), (4, 0), (-1, 8)):
        with pytest.raises(ValueError, match="texture_ring"):
            dataclasses.replace(ring, texture_ring=bad)
    with pytest.raises(ValueError, match="texture_ring"):
        dataclasses.replace(ring, texture_inside=True)


def test_a_box_only_texture_changes_the_box_alone():
    """With ``texture_box_only`` the texture changes pixels inside the digit's box and none outside."""
    import dataclasses

    box_only = dataclasses.replace(TEXTURED, version=995, texture_presence=1.0, texture_box_only=True)
    images, _, boxes = mini.make_split("test", 12, 0, world=box_only)
    plain = mini.make_split("test", 12, 0, world=dataclasses.replace(box_only, texture=0))[0]
    changed = (images - plain).abs().amax(1, keepdim=True) > 0
    inside = mini.box_mask(boxes)
    assert not changed[~inside].any() and changed[inside].float().mean() > 0.5
    with pytest.raises(ValueError, match="texture_box_only"):
        dataclasses.replace(box_only, texture_inside=True)


def test_a_world_without_texture_draws_no_texture_randomness():
    """Worlds without a texture keep their pixels: the texture's draws come last and only
    when it is on (the pinned v3 checksum above holds too)."""
    import dataclasses

    plain = dataclasses.replace(TEXTURED, texture=0, texture_presence=0.0)
    a = mini.make_split("test", 20, 0, world=plain)[0]
    b = mini.make_split("test", 20, 0, world=dataclasses.replace(TEXTURED, texture=0))[0]
    assert torch.equal(a, b)


def test_a_blurred_background_keeps_the_layout_and_the_texture_and_loses_fine_detail():
    """The blur draws no randomness (same labels, boxes), leaves the texture's pixels as they
    are, and takes high-frequency energy out of the photograph."""
    import dataclasses

    import torch.nn.functional as F

    sharp = dataclasses.replace(TEXTURED, version=992, texture_presence=1.0)
    blurred = dataclasses.replace(sharp, background_blur=1.5)
    (a, labels_a, boxes_a), (b, labels_b, boxes_b) = (mini.make_split("test", 20, 0, world=w) for w in (sharp, blurred))
    assert torch.equal(labels_a, labels_b) and torch.equal(boxes_a, boxes_b)
    texture = [(x - mini.make_split("test", 20, 0, world=dataclasses.replace(w, texture=0))[0]).mul(255).round()
               for x, w in ((a, sharp), (b, blurred))]
    inside = mini.box_mask(boxes_a).expand_as(a)
    unclipped = (a > 2 / 255) & (a < 253 / 255) & (b > 2 / 255) & (b < 253 / 255) & ~inside
    assert torch.equal(texture[0][unclipped], texture[1][unclipped])
    laplace = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]).view(1, 1, 3, 3).repeat(3, 1, 1, 1)
    detail = [F.conv2d(mini.make_split("test", 20, 0, world=dataclasses.replace(w, texture=0))[0], laplace, groups=3)
              .pow(2).mean() for w in (sharp, blurred)]
    assert detail[1] < 0.8 * detail[0]
    with pytest.raises(ValueError, match="background_blur"):
        dataclasses.replace(sharp, background_blur=-1.0)


def test_texture_fidelity_is_the_share_of_images_that_carry_their_labels_pattern():
    """With fidelity f the pattern is the label's on about f + (1 - f) / 10 of the images
    (otherwise a random class's, the label's included)."""
    import dataclasses

    n, tile = 300, mini._TEXTURE_TILE
    world = dataclasses.replace(TEXTURED, version=991, texture_presence=1.0, texture_fidelity=0.5)
    images, labels, boxes = mini.make_split("test", n, 0, world=world)
    plain = mini.make_split("test", n, 0, world=dataclasses.replace(world, texture=0))[0]
    diff = (images - plain).mul(255).round()
    own = 0
    for i in range(n):
        # The class whose tile, at some phase, explains every unclipped pixel of the top-left corner.
        x0, y0, _, _ = boxes[i].tolist()
        if x0 < tile or y0 < tile:
            continue
        corner, interior = diff[i, :, :tile, :tile], (plain[i, :, :tile, :tile] * 255).round().clamp(3, 252) == (
            plain[i, :, :tile, :tile] * 255).round()
        tiles = torch.from_numpy(mini._texture_tiles()).permute(0, 3, 1, 2).float() * world.texture
        fits = [c for c in range(10) for dy in range(tile) for dx in range(tile)
                if torch.equal(tiles[c].roll((-dy, -dx), (1, 2))[interior], corner[interior])]
        own += int(labels[i]) in fits and len(set(fits)) == 1
    counted = sum(1 for b in boxes.tolist() if b[0] >= tile and b[1] >= tile)
    expected = world.texture_fidelity + (1 - world.texture_fidelity) / 10
    assert abs(own / counted - expected) < 4 * (expected * (1 - expected) / counted) ** 0.5


def test_stroke_thickens_the_digit_and_nothing_else():
    """The same sample with thicker strokes: the same label, a box at least as large, more ink."""
    import dataclasses

    thin = mini.World(version=992, digit_side=(14, 22), distractors=(0, 0), letters=(0, 0), context_p=0.0)
    thick = dataclasses.replace(thin, stroke=2)
    glyph = mini._digits()[0][0]
    assert (mini._thickened(glyph, 2) >= mini._thickened(glyph, 0)).all()
    assert (mini._thickened(glyph, 2) >= 64).sum() > (mini._thickened(glyph, 0) >= 64).sum()
    for index in range(10):
        a, b = mini._sample_uint8("test", index, 0, thin), mini._sample_uint8("test", index, 0, thick)
        assert a[1] == b[1] and a[3] == b[3]
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a[2], b[2]
        assert (bx1 - bx0) * (by1 - by0) >= (ax1 - ax0) * (ay1 - ay0)


def test_the_null_patch_is_the_same_bars_clear_of_the_digit_and_nothing_else_changes():
    import dataclasses

    side, n = 14, 40
    plain = mini.World(version=993, digit_side=(18, 34), distractors=(0, 3), letters=(0, 0), context_p=0.0)
    patched = dataclasses.replace(plain, null_patch=side)
    bars = torch.tensor([1.0 if x % 4 < 2 else 0.0 for x in range(side)]).expand(3, side, side)
    a, labels, boxes = mini.make_split("test", n, 0, world=plain)
    b, labels_b, boxes_b = mini.make_split("test", n, 0, world=patched)
    assert torch.equal(labels, labels_b) and torch.equal(boxes, boxes_b)
    found = 0
    for i in range(n):
        changed = (a[i] != b[i]).any(0).nonzero()
        if len(changed) == 0:
            continue
        (py, px), (qy, qx) = changed.min(0).values.tolist(), changed.max(0).values.tolist()
        assert qy - py < side and qx - px < side
        x0, y0, x1, y1 = boxes[i].tolist()
        assert qx < x0 or px > x1 or qy < y0 or py > y1                 # clear of the digit's box
        # The changed pixels lie in one side x side window that holds exactly the bars (some
        # pixels of the bars may equal the background's and not change).
        found += any(torch.equal(b[i][:, y:y + side, x:x + side], bars)
                     for y in range(max(0, qy - side + 1), min(py, 64 - side) + 1)
                     for x in range(max(0, qx - side + 1), min(px, 64 - side) + 1))
    assert found >= n * 3 // 4          # a place clear of the digit exists on most images


def test_generated_images_are_kept_in_the_store_and_come_back_equal(tmp_path) -> None:
    import torch

    from pytest_xai.evaluation.records import Evaluator
    from pytest_xai.session import base_registry
    from pytest_xai.settings import settings_from

    cfg = settings_from({"models": "resnet", "cache-dir": "store"}, root=tmp_path)
    made = mini.load(5, 0)
    first = Evaluator(base_registry(), cfg, torch.device("cpu")).inputs._load(5)
    assert len(list((tmp_path / "store" / "images").rglob("*"))) > 0
    again = Evaluator(base_registry(), cfg, torch.device("cpu")).inputs._load(5)
    assert first.sha256() == again.sha256() == made.sha256() and again.ids == made.ids
