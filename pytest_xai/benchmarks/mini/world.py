"""The `mini` benchmark's images: one handwritten digit on a cluttered photograph.

Every image is a pure function of ``(split, index, seed)``; nothing is downloaded or
stored. A sample is built from

- a random square crop of one of the photographs bundled in the scikit-image wheel
  (no pooch download), flipped at random, grey ones tinted, contrast jittered. The
  photograph may be class context, like ImageNet's: with probability ``context_p`` it is
  the class's own (digit c on ``_PHOTOS[c]``), otherwise any of the 15. So a model can
  lean on the background as well as on the object, and images where the two disagree
  exist;
- a few class-independent geometric distractors drawn on it: filled or outlined
  ellipses, rectangles and triangles, lines, and pen-like scribbles;
- a few letter distractors: short runs of printed letters cut from scikit-image's
  ``page`` photograph, reduced to the digits' 8-row, 17-level format, then upscaled,
  rotated, coloured and blended exactly like the digit, so that only their shape sets
  them apart from it;
- one of scikit-learn's bundled handwritten digits (``load_digits``, 8 x 8), upscaled,
  rotated, coloured with a colour that stands out from the background under it, and
  alpha-blended at a random position and scale. Its tight box is the ground truth;
- optionally, the class's texture outside that box (below).

Train and test draw from disjoint digit samples (every fifth digit is a test digit).
All drawing is done on 8-bit images with PIL and integer arithmetic, so the pixels are
the same on every machine; ``GENERATOR_VERSION`` changes whenever they would not be.

The knobs above are a :class:`World`, one per generator version. ``V3`` (class
photographs at p 0.5, small digits, letters) is the one the shipped zoo is trained on.
``V4`` is built from the paper's explanation of its finding F1 (vanilla networks use
non-robust features and their gradients spread over them; robust ones can only use
robust features such as the object's shape): large digits and no letters or class
photographs, so the digit's shape is the only class feature, and a faint per-class
texture outside the digit's box is a non-robust one. ``V5`` adds label noise to V4's
training images (10 % of the digits another class's), which makes the texture worth
reading beside the digit: a vanilla ResNet shown the digit alone first reads both, though
how much still depends on its seed. The other knobs (thicker strokes, a fixed null patch,
where the texture lies) exist for the probes of
``studies/generator_probe.py``, which measure a world.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pytest_xai.benchmarks.base import ImageSet

if TYPE_CHECKING:  # heavy imports live inside the functions: the registry imports this module
    import numpy as np
    import torch
    from PIL import ImageDraw

IMAGE_SIZE = 64
NUM_CLASSES = 10
CLASS_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class World:
    """The knobs that make one version of the generator; ``version`` seeds every image.

    ``stroke`` thickens the digit's strokes (grey dilation of the glyph upscaled to 32 px)
    before it is resized, so that a small digit keeps wide strokes. ``null_patch`` draws a
    fixed, class-independent pattern beside the digit. ``texture`` is the amplitude (grey
    levels) of a per-class high-frequency pattern added outside the digit's box on a share
    ``texture_presence`` of the images: a non-robust class feature in the sense of Ilyas
    et al. 2019 (an L2 perturbation smaller than the robust models' training eps erases
    it), 0 for none. With ``texture_fidelity`` < 1 it
    is a random class's texture on the rest of the images, so it predicts the label only
    in part and a network that uses it still needs the digit. ``texture_inside`` lays it
    over the digit's box too, so that it is everywhere: a class-activation map then gains
    about the same everywhere from it, and loses nothing by min-max normalisation, where
    input gradients still spread over every pixel. ``texture_cell`` is the side in px of
    each of the tile's cells (1: the tile varies at every pixel): a coarser texture of the
    same amplitude and L2 norm, for networks whose first convolution has stride 2.
    ``texture_ring`` (gap, width) in px keeps the texture to a ring ``width`` px wide whose
    nearest pixels lie ``gap`` px outside the box: beyond the Pointing Game's tolerance, so an
    input gradient peaking on it misses, yet within about one cell of a class-activation
    map's grid, so a CAM, upsampled from that grid, cannot tell it from the digit. (0, 0)
    is no ring: the texture lies everywhere outside the box. ``texture_box_only`` puts it
    inside the box alone, where the digit is: a CAM of a model that reads it stays on the
    box, while the input gradient of a texture detector need not.
    ``texture_groups`` is the number of distinct textures: the label's texture is the tile of
    ``label % texture_groups``, so with 5 it names a pair of digits and not the digit: a
    network that reads it still needs the digit for the rest, and cannot end reading it alone.
    ``digit_fidelity`` < 1 draws a digit of another class on the rest of the images (the
    label stays), so the digit alone cannot reach full accuracy either: with a texture that
    is always the label's, a network that reads the digit gains from reading the texture too.
    ``faithful_test`` keeps that noise to the training split: every test image shows its
    label's digit (the same image as with ``digit_fidelity`` 1), so accuracy and the claims
    are measured on images whose object is the class, and the noise is the training set's
    label noise alone.
    ``background_blur`` blurs the photograph (Gaussian, radius in px) before anything is
    drawn on it, so that its fine detail no longer hides a high-frequency texture: the
    texture keeps its L2 norm, and the band it lives in holds little else.
    """

    version: int
    digit_side: tuple[int, int]     # digit height before rotation, px (inclusive range)
    distractors: tuple[int, int]    # number of geometric distractors (inclusive range)
    letters: tuple[int, int]        # number of letter distractors (inclusive range)
    context_p: float                # chance that the background is the class's own photograph
    texture: int = 0
    texture_presence: float = 0.0
    texture_fidelity: float = 1.0   # chance that the texture is the label's (else a random class's)
    stroke: int = 0                 # digit strokes grown by this many px per side at 32 px glyph height
    null_patch: int = 0             # side of a fixed striped patch beside the digit on every image (0: none)
    texture_inside: bool = False    # the texture covers the digit's box too
    texture_cell: int = 1           # px per cell of the texture's tile
    texture_ring: tuple[int, int] = (0, 0)  # (gap, width) px of a ring around the box holding the texture
    texture_box_only: bool = False  # the texture inside the digit's box alone
    texture_groups: int = NUM_CLASSES  # distinct textures; the label's is that of label % texture_groups
    digit_fidelity: float = 1.0     # chance that the digit drawn is the label's (else another class's)
    faithful_test: bool = False     # digit_fidelity applies to the training split alone
    background_blur: float = 0.0    # Gaussian blur radius (px) of the photograph behind everything

    def __post_init__(self) -> None:
        if not 0 < self.digit_fidelity <= 1:
            raise ValueError(f"digit_fidelity must be in (0, 1], got {self.digit_fidelity}")
        if not 1 <= self.texture_groups <= NUM_CLASSES:
            raise ValueError(f"texture_groups must be 1 .. {NUM_CLASSES}, got {self.texture_groups}")
        if self.texture_cell < 1:
            raise ValueError(f"texture_cell must be >= 1 px, got {self.texture_cell}")
        if self.background_blur < 0:
            raise ValueError(f"background_blur must be >= 0 px, got {self.background_blur}")
        gap, width = self.texture_ring
        if gap < 0 or width < 0 or (width == 0) != (gap == 0) or (width and self.texture_inside):
            raise ValueError(f"texture_ring must be (0, 0) or (gap >= 1, width >= 1) px without texture_inside, "
                             f"got {self.texture_ring}")
        if self.texture_box_only and (self.texture_inside or width):
            raise ValueError("texture_box_only excludes texture_inside and texture_ring")


V3 = World(version=3, digit_side=(14, 26), distractors=(1, 3), letters=(1, 3), context_p=0.5)
# Built from the paper's mechanism: the digit is the only robust class feature (large, no
# look-alike letters, no class photograph), and a +-2 grey-level texture of the label outside
# the digit's box is a non-robust one (an L2 change smaller than the robust models' training
# eps erases it). Vanilla models read both, so their gradients leave the box; robust ones
# can only read the digit. Probed on the ResNet pair (docs/mini-benchmark.md, `tT2`), with
# the same world without the texture as its ablation (`nA0`).
V4 = World(version=4, digit_side=(18, 34), distractors=(0, 3), letters=(0, 0), context_p=0.0,
           texture=2, texture_presence=1.0)
# V4 with label noise in the training images: one digit in ten is another class's, so a
# network that reads the digit gains from reading the texture too (on V4 a vanilla ResNet
# read it or not by its seed); the test images show their label's digit. Trained with two
# epochs of the digit alone first (``train.default_config``), three probe seeds read the
# digit and the texture alike (`t10d9da2s0/1/2`); on V5's own images the zoo's two seeds
# did not (docs/mini-benchmark.md).
V5 = World(version=5, digit_side=(18, 34), distractors=(0, 3), letters=(0, 0), context_p=0.0,
           texture=2, texture_presence=1.0, digit_fidelity=0.9, faithful_test=True)
WORLDS = {world.version: world for world in (V3, V4, V5)}
WORLD = V3                      # the world the shipped zoo is trained on and the benchmark shows
GENERATOR_VERSION = WORLD.version

_TEST_EVERY = 5                 # digit sample i is a test digit iff i % _TEST_EVERY == 0
_MAX_ANGLE = 30.0               # degrees
_TEXT_ROWS = (40, 140)          # rows of ``page`` holding paragraphs of printed text
_MIN_CONTRAST = 90              # min luminance gap between digit colour and background
_TEXTURE_TILE = 4               # side of the per-class texture's repeating tile, px
_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry",
           "hubble_deep_field", "motorcycle", "camera", "brick", "grass", "gravel",
           "coins", "moon", "page", "clock")


@lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    """The background photographs as uint8 arrays, [H, W, 3] or [H, W] (grey)."""
    import numpy as np
    import skimage.data

    out = []
    for name in _PHOTOS:
        photo = skimage.data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(skimage.data, name)()
        out.append(np.ascontiguousarray(photo, dtype=np.uint8))
    return tuple(out)


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits as uint8 [N, 8, 8] in 0..255 and their labels."""
    import numpy as np
    from sklearn.datasets import load_digits

    bunch = load_digits()
    glyphs = (bunch.images.astype(np.int64) * 255 // 16).astype(np.uint8)
    return glyphs, bunch.target.astype(np.int64)


@lru_cache(maxsize=2)
def _pool(split: str) -> tuple[np.ndarray, ...]:
    """Per class, the indices of the digit samples that belong to ``split``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    import numpy as np

    _, labels = _digits()
    index = np.arange(len(labels))
    in_test = index % _TEST_EVERY == 0
    keep = in_test if split == "test" else ~in_test
    return tuple(index[keep & (labels == c)] for c in range(NUM_CLASSES))


def digit_indices(split: str) -> np.ndarray:
    """The ``load_digits`` sample indices that ``split`` draws its digits from."""
    import numpy as np

    return np.sort(np.concatenate(_pool(split)))


def _background(rng: np.random.Generator, label: int, context_p: float) -> tuple[np.ndarray, bool]:
    """A random crop of a photograph, uint8 [S, S, 3] (flipped, grey ones tinted, contrast
    jittered), and whether it is the class's own photograph.

    With probability ``context_p`` the photograph is the class's own (``_PHOTOS[label]``),
    otherwise any of them (the class's own included).
    """
    import numpy as np
    from PIL import Image

    keyed = rng.random() < context_p
    index = label if keyed else int(rng.integers(len(_PHOTOS)))
    photo = _photos()[index]
    h, w = photo.shape[:2]
    side = int(rng.integers(IMAGE_SIZE, min(h, w) // 2 + 1))
    y, x = int(rng.integers(h - side + 1)), int(rng.integers(w - side + 1))
    crop = Image.fromarray(photo[y:y + side, x:x + side]).resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
    pixels = np.asarray(crop, dtype=np.int64)
    if pixels.ndim == 2:
        pixels = pixels[..., None] * rng.integers(90, 256, size=3) // 255
    if rng.random() < 0.5:
        pixels = pixels[:, ::-1]
    gain = int(rng.integers(192, 256))
    offset = int(rng.integers(0, 257 - gain))
    return (offset + pixels * gain // 256).astype(np.uint8), bool(index == label)


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, size=3))


def _distractor(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
    """One random ellipse, rectangle, triangle, line or scribble."""
    kind = int(rng.integers(5))
    size = int(rng.integers(6, 25))
    x0, y0 = (int(v) for v in rng.integers(-size // 2, IMAGE_SIZE - size // 2, size=2))
    box = (x0, y0, x0 + size, y0 + int(size * rng.uniform(0.5, 1.5)))
    colour, width = _colour(rng), int(rng.integers(1, 4))
    filled = rng.random() < 0.5
    if kind == 0:
        draw.ellipse(box, fill=colour if filled else None, outline=colour, width=width)
    elif kind == 1:
        draw.rectangle(box, fill=colour if filled else None, outline=colour, width=width)
    elif kind == 2:
        points = [tuple(int(v) for v in p) for p in rng.integers(-4, size + 4, size=(3, 2)) + (x0, y0)]
        draw.polygon(points, fill=colour if filled else None, outline=colour, width=width)
    elif kind == 3:
        ends = [int(v) for v in rng.integers(-8, IMAGE_SIZE + 8, size=4)]
        draw.line(ends, fill=colour, width=width)
    else:
        corners = rng.integers(0, size + 1, size=(int(rng.integers(3, 6)), 2)) + (x0, y0)
        points = [tuple(int(v) for v in p) for p in corners]
        draw.line(points, fill=colour, width=int(rng.integers(2, 5)), joint="curve")


def _glyph_alpha(rng: np.random.Generator, glyph: np.ndarray, height: int, width: int) -> np.ndarray:
    """A glyph's coverage (uint8 [h, w]): resized, rotated, cropped to its support."""
    import numpy as np
    from PIL import Image

    alpha = Image.fromarray(glyph).resize((width, height), Image.BICUBIC)
    alpha = np.asarray(alpha.rotate(float(rng.uniform(-_MAX_ANGLE, _MAX_ANGLE)), Image.BICUBIC, expand=True))
    ys, xs = np.nonzero(alpha >= 64)
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _thickened(glyph: np.ndarray, stroke: int) -> np.ndarray:
    """``glyph`` (uint8 8 x 8) upscaled to 32 x 32 with its strokes grown by ``stroke`` px per side."""
    import numpy as np
    from PIL import Image
    from scipy.ndimage import grey_dilation

    large = np.asarray(Image.fromarray(glyph).resize((32, 32), Image.BICUBIC))
    disk = np.hypot(*np.mgrid[-stroke:stroke + 1, -stroke:stroke + 1]) <= stroke + 0.5
    return grey_dilation(large, footprint=disk)


@lru_cache(maxsize=1)
def _letter_windows() -> tuple[np.ndarray, np.ndarray]:
    """The ink of ``page``'s paragraphs and every window (y, x, h, w) that holds whole letters.

    A window qualifies when its border is blank and at least h of its pixels are inked.
    """
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy.ndimage import maximum_filter

    page = _photos()[_PHOTOS.index("page")][_TEXT_ROWS[0]:_TEXT_ROWS[1]].astype(np.int64)
    ink = np.clip((maximum_filter(page, size=15) - 30 - page) * 4, 0, 255).astype(np.uint8)
    found = []
    for h in range(9, 14):
        for w in range(h, 2 * h, 2):
            view = sliding_window_view(ink, (h, w))
            border = np.maximum.reduce([view[..., 0, :].max(-1), view[..., -1, :].max(-1),
                                        view[..., :, 0].max(-1), view[..., :, -1].max(-1)])
            ys, xs = np.nonzero((border < 64) & ((view >= 128).sum((-2, -1)) >= h))
            found.append(np.stack([ys, xs, np.full_like(ys, h), np.full_like(ys, w)], 1))
    return ink, np.concatenate(found)


def _letters(rng: np.random.Generator) -> np.ndarray:
    """A window of one to three printed letters from ``page``, as uint8 ink on an 8-row grid.

    Like ``load_digits``' glyphs they are 8 px high with 17 grey levels, so after the
    same upscaling only their shape tells them from the digits.
    """
    import numpy as np
    from PIL import Image

    ink, windows = _letter_windows()
    y, x, h, w = (int(v) for v in windows[rng.integers(len(windows))])
    small = Image.fromarray(ink[y:y + h, x:x + w]).resize((max(4, round(8 * w / h)), 8), Image.BILINEAR)
    levels = np.asarray(small).astype(np.int64) * 16 // 255
    return np.where(levels >= 3, levels * 255 // 16, 0).astype(np.uint8)


def _paste(pixels: np.ndarray, alpha: np.ndarray, colour: np.ndarray, x0: int, y0: int) -> None:
    """Alpha-blend ``colour`` into ``pixels`` (int64 [S, S, 3]) through ``alpha``, contrast enforced."""
    import numpy as np

    h, w = alpha.shape
    under = pixels[y0:y0 + h, x0:x0 + w]
    weight = alpha.astype(np.int64)[..., None]
    colour = _contrasting(colour, int(_luminance((under * weight).sum((0, 1)) // max(1, int(weight.sum())))))
    pixels[y0:y0 + h, x0:x0 + w] = (under * (255 - weight) + colour * weight + 127) // 255


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return (299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2]) // 1000


def _contrasting(colour: np.ndarray, background: int) -> np.ndarray:
    """``colour`` blended towards black or white until its luminance is _MIN_CONTRAST off ``background``."""
    lum = max(1, min(254, int(_luminance(colour))))
    if background >= 128 and lum > background - _MIN_CONTRAST:
        return colour * (background - _MIN_CONTRAST) // lum
    if background < 128 and lum < background + _MIN_CONTRAST:
        return 255 - (255 - colour) * (255 - background - _MIN_CONTRAST) // (255 - lum)
    return colour


def _add_null_patch(pixels: np.ndarray, rng: np.random.Generator, side: int, box: tuple[int, int, int, int]) -> None:
    """A fixed, class-independent patch of black and white vertical bars (2 px each), the
    same on every image, at a random place clear of the digit's box (in place; none when
    no place is found in 20 draws). Shah et al. 2021's BlockMNIST null block: vanilla
    input gradients leak onto such a pattern, robust ones do not."""
    import numpy as np

    x0, y0, x1, y1 = box
    for _ in range(20):
        px, py = (int(v) for v in rng.integers(IMAGE_SIZE - side + 1, size=2))
        if px + side <= x0 or px > x1 or py + side <= y0 or py > y1:
            bars = np.where(np.arange(side) % 4 < 2, 255, 0)
            pixels[py:py + side, px:px + side] = bars[None, :, None]
            return


@lru_cache(maxsize=1)
def _texture_tiles() -> np.ndarray:
    """Per class, the texture's fixed tile of +-1 (int64 [C, T, T, 3])."""
    import numpy as np

    return np.stack([np.random.default_rng([12345, c]).choice([-1, 1], size=(_TEXTURE_TILE, _TEXTURE_TILE, 3))
                     for c in range(NUM_CLASSES)])


def _add_texture(pixels: np.ndarray, rng: np.random.Generator, world: World, label: int,
                 box: tuple[int, int, int, int]) -> None:
    """Add the label's texture where ``world`` puts it (``texture_region``; in place), on a
    share ``world.texture_presence`` of images, at a random phase of its tile.

    Drawn after everything else, at the image's own resolution, so no resampling blurs it.
    """
    import numpy as np

    present = rng.random() < world.texture_presence
    side = _TEXTURE_TILE * world.texture_cell
    dy, dx = (int(v) for v in rng.integers(side, size=2))
    if world.texture_fidelity < 1 and rng.random() >= world.texture_fidelity:
        label = int(rng.integers(NUM_CLASSES))
    if not present:
        return
    np.clip(pixels + world.texture * texture_pattern(world, label, dy, dx) * texture_region(world, box)[..., None],
            0, 255, out=pixels)


def texture_pattern(world: World, label: int, dy: int, dx: int) -> np.ndarray:
    """The label's texture tile repeated over the image at phase (dy, dx), each taken modulo
    the tile's side: int64 [S, S, 3] of +-1."""
    import numpy as np

    cell = world.texture_cell
    tile = _texture_tiles()[label % world.texture_groups].repeat(cell, axis=0).repeat(cell, axis=1)
    dy, dx = dy % len(tile), dx % len(tile)
    reps = IMAGE_SIZE // len(tile) + 2
    return np.tile(tile, (reps, reps, 1))[dy:dy + IMAGE_SIZE, dx:dx + IMAGE_SIZE]


def texture_region(world: World, box: tuple[int, int, int, int]) -> np.ndarray:
    """Where ``world`` lays the texture of an image whose digit has inclusive ``box``:
    int64 [S, S] of 0/1 (outside the box; everywhere; a ring; the box alone)."""
    import numpy as np

    region = np.ones((IMAGE_SIZE, IMAGE_SIZE), dtype=np.int64)
    x0, y0, x1, y1 = box
    gap, width = world.texture_ring
    if width:
        region[:] = 0
        reach = gap + width - 1     # the ring's pixels lie gap .. gap + width - 1 px from the box
        region[max(0, y0 - reach):y1 + reach + 1, max(0, x0 - reach):x1 + reach + 1] = 1
        region[max(0, y0 - gap + 1):y1 + gap, max(0, x0 - gap + 1):x1 + gap] = 0
    elif world.texture_box_only:
        region[:] = 0
        region[y0:y1 + 1, x0:x1 + 1] = 1
    elif not world.texture_inside:
        region[y0:y1 + 1, x0:x1 + 1] = 0
    return region


def _sample_uint8(split: str, index: int, seed: int, world: World | None = None
                  ) -> tuple[np.ndarray, int, tuple[int, int, int, int], int, bool]:
    """The sample as a uint8 [S, S, 3] image, its label, its inclusive box, its digit's
    index and whether its background is the class's own photograph."""
    import numpy as np
    from PIL import Image, ImageDraw

    world = world or WORLD
    pool = _pool(split)
    rng = np.random.default_rng([seed, SPLITS.index(split), index, world.version])
    label = int(rng.integers(NUM_CLASSES))
    shown = label   # the digit's class; the extra draw only when needed, so other worlds keep their images
    noisy = world.digit_fidelity < 1 and not (world.faithful_test and split == "test")
    if noisy and rng.random() >= world.digit_fidelity:
        shown = (label + 1 + int(rng.integers(NUM_CLASSES - 1))) % NUM_CLASSES
    digit = int(pool[shown][rng.integers(len(pool[shown]))])
    background, in_context = _background(rng, label, world.context_p)
    image = Image.fromarray(background)
    if world.background_blur:
        from PIL import ImageFilter

        image = image.filter(ImageFilter.GaussianBlur(world.background_blur))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(world.distractors[0], world.distractors[1] + 1))):
        _distractor(draw, rng)
    pixels = np.array(image, dtype=np.int64)
    for _ in range(int(rng.integers(world.letters[0], world.letters[1] + 1))):
        ink = _letters(rng)
        height = int(rng.integers(world.digit_side[0], world.digit_side[1] + 1))
        alpha = _glyph_alpha(rng, ink, height, round(height * ink.shape[1] / 8))
        x, y = (int(rng.integers(IMAGE_SIZE - n + 1)) for n in alpha.shape[::-1])
        _paste(pixels, alpha, np.array(_colour(rng), dtype=np.int64), x, y)
    height = int(rng.integers(world.digit_side[0], world.digit_side[1] + 1))
    glyph = _digits()[0][digit]
    if world.stroke:
        glyph = _thickened(glyph, world.stroke)
    alpha = _glyph_alpha(rng, glyph, height, max(6, round(height * rng.uniform(0.7, 1.0))))
    h, w = alpha.shape
    x0, y0 = int(rng.integers(IMAGE_SIZE - w + 1)), int(rng.integers(IMAGE_SIZE - h + 1))
    _paste(pixels, alpha, np.array(_colour(rng), dtype=np.int64), x0, y0)
    box = (x0, y0, x0 + w - 1, y0 + h - 1)
    if world.null_patch:
        _add_null_patch(pixels, rng, world.null_patch, box)
    if world.texture:
        _add_texture(pixels, rng, world, label, box)
    return pixels.astype(np.uint8), label, box, digit, in_context


def make_sample(split: str, index: int, seed: int, world: World | None = None) -> tuple[torch.Tensor, int, torch.Tensor]:
    """Sample ``index`` of ``split``: image float32 [3, S, S] in [0, 1], label, box.

    The box is a LongTensor ``(x0, y0, x1, y1)`` of inclusive pixel coordinates.
    """
    import torch

    pixels, label, box, _, _ = _sample_uint8(split, index, seed, world)
    image = torch.from_numpy(pixels).permute(2, 0, 1).float().div_(255.0)
    return image, label, torch.tensor(box, dtype=torch.long)


def make_split(split: str, n: int, seed: int, start: int = 0, world: World | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Samples ``start .. start + n - 1``: images [N, 3, S, S], labels [N], boxes [N, 4]."""
    import numpy as np
    import torch

    pixels = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    labels, boxes = np.empty(n, dtype=np.int64), np.empty((n, 4), dtype=np.int64)
    for i in range(n):
        pixels[i], labels[i], boxes[i], _, _ = _sample_uint8(split, start + i, seed, world)
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0)
    return images.contiguous(), torch.from_numpy(labels), torch.from_numpy(boxes)


def box_mask(boxes: torch.Tensor, size: int = IMAGE_SIZE) -> torch.Tensor:
    """[N, 1, S, S] True inside each inclusive box ``(x0, y0, x1, y1)`` of ``boxes`` [N, 4]."""
    import torch

    grid = torch.arange(size, device=boxes.device)
    x0, y0, x1, y1 = (boxes[:, i, None] for i in range(4))
    inside_x = (grid >= x0) & (grid <= x1)
    inside_y = (grid >= y0) & (grid <= y1)
    return (inside_y[:, :, None] & inside_x[:, None, :])[:, None]


def in_context(split: str, n: int, seed: int, start: int = 0, world: World | None = None) -> torch.Tensor:
    """For samples ``start .. start + n - 1``: whether the background is the class's own
    photograph (BoolTensor [N])."""
    import torch

    return torch.tensor([_sample_uint8(split, start + i, seed, world)[4] for i in range(n)])


def generator_digest() -> str:
    """What the images depend on: this module's code, the world it draws, and the versions
    of the packages whose bundled data it draws from (scikit-learn's digits, scikit-image's
    photographs), so that cached images are never those of another generator."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    parts = (Path(__file__).read_bytes(), repr(WORLD).encode(),
             f"scikit-learn {version('scikit-learn')} scikit-image {version('scikit-image')}".encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def load(n: int, seed: int) -> ImageSet:
    """The benchmark's evaluation images: test samples ``0 .. n - 1`` drawn with ``seed``."""
    images, labels, boxes = make_split("test", n, seed)
    return ImageSet(images=images, labels=labels, boxes=boxes, ids=tuple(f"mini-test-{seed}-{i}" for i in range(n)))
