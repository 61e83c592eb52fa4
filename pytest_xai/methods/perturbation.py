"""Perturbation-based methods: RISE (Petsiuk et al. 2018), LIME (Ribeiro et al. 2016),
Meaningful Perturbation (Fong & Vedaldi 2017) and Extremal Perturbation (Fong et al. 2019).

- LIME: the ``lime`` package (``lime_image``), with skimage's SLIC as segmenter.
- EP: TorchRay's ``extremal_perturbation`` (the implementation the paper used): its mask
  generator and blur pyramid, with our loop, so that a short run follows the whole schedule.
- RISE: our code, following Petsiuk's reference (eclique/RISE ``explanations.py``).
  TorchRay's ``rise`` scores every class through a sigmoid, whereas RISE and the paper use
  the target's softmax probability; ours also scores only the target and materialises
  masks a chunk at a time instead of holding all N masks in memory.
- MP: our code, since no maintained library implements it; it follows the recipe the
  paper used (jacobgil/pytorch-explain-black-box ``explain.py``).

Sizes the paper gives in pixels (EP's step and sigma, MP's mask side and blur, LIME's
segmentation sigma) are for 224 px images and are scaled to the image side here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from pytest_xai.methods.base import Method, image_seed
from pytest_xai.scaling import scaled

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torchray.attribution.extremal_perturbation import MaskGenerator

    from pytest_xai.benchmarks.base import LoadedModel

@dataclass(frozen=True)
class RISE(Method):
    """Randomized Input Sampling: saliency = sum_i P(target | x * M_i) M_i / (N * p1).

    - ``n_masks``: N, the number of random masks (paper: 8000; Table A1 per model).
    - ``grid_size``: s, the side of the binary grid a mask is drawn on (Table A1's
      "mask size", paper: 7).
    - ``p1``: probability that a grid cell is 1 (paper: 0.5).

    As ``generate_masks`` of eclique/RISE ``explanations.py`` (lines 17-32): each s x s
    grid is upsampled bilinearly to (s + 1) * ceil(H / s) per axis as skimage's
    ``resize(order=1, mode='reflect')`` does (half-pixel centres, mirrored borders) and
    cropped at a random shift in [0, ceil(H / s)) per axis. As ``RISE.forward`` (lines
    47-62), the masks multiply the image in the network's input space (the normalised
    tensor). One mask set, drawn from the run's seed, serves every image. A forward holds
    ``batch_size`` masked copies: of one image while ``batch_size`` is at most ``n_masks``,
    else every mask on each of ``batch_size // n_masks`` images (the large batches a memory
    budget gives a GPU; ``pytest_xai.batching``).
    """

    name: ClassVar[str] = "rise"
    group: ClassVar[str] = "perturbation"
    # 1000 masks localize within ~0.03 of 8000 on the mini ResNet pair; 200 lose 0.1 of
    # Pointing Game and WSL and misrank RISE in claim F3 (studies/rise_masks.py, docs/mini-benchmark.md).
    fast_caps: ClassVar[dict[str, int]] = {"n_masks": 1000}
    n_masks: int = 8000
    grid_size: int = 7
    p1: float = 0.5

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch

        b, _, h, w = images.shape
        draws = tuple(d.to(images.device) for d in self._draws(h, w, seed))
        saliency = torch.zeros(b, h * w, device=images.device)
        masks_per_pass = min(self.batch_size, self.n_masks)
        images_per_pass = self.batch_size // masks_per_pass
        with torch.no_grad():
            for start in range(0, self.n_masks, masks_per_pass):
                masks = self._masks(draws, start, min(start + masks_per_pass, self.n_masks), h, w)
                for lo in range(0, b, images_per_pass):
                    group, group_targets = images[lo:lo + images_per_pass], targets[lo:lo + images_per_pass]
                    masked = (group[:, None] * masks[None, :, None]).flatten(0, 1)
                    probs = torch.softmax(model(masked), dim=1).view(len(group), len(masks), -1)
                    target_probs = probs.gather(2, group_targets.view(-1, 1, 1).expand(-1, len(masks), 1))[..., 0]
                    saliency[lo:lo + len(group)] += target_probs @ masks.flatten(1)
        return (saliency / (self.n_masks * self.p1)).view(b, h, w)

    def _draws(self, height: int, width: int, seed: int) -> tuple["torch.Tensor", ...]:
        """The random draws of the mask set: binary grids [N, s, s] and crop offsets [N]."""
        import torch

        gen = torch.Generator().manual_seed(seed)
        s = self.grid_size
        grids = (torch.rand(self.n_masks, s, s, generator=gen) < self.p1).float()
        rows = torch.randint(0, math.ceil(height / s), (self.n_masks,), generator=gen)
        cols = torch.randint(0, math.ceil(width / s), (self.n_masks,), generator=gen)
        return grids, rows, cols

    def _masks(self, draws: tuple["torch.Tensor", ...], start: int, stop: int, height: int,
               width: int) -> "torch.Tensor":
        """Masks ``start:stop`` [n, H, W] of the set ``draws``: the cropped rows and
        columns of the upsampling matrices applied to each grid."""
        import torch

        grids, rows, cols = (d[start:stop] for d in draws)
        s = self.grid_size
        up_rows = _upsampling(s, (s + 1) * math.ceil(height / s), grids.device)
        up_cols = _upsampling(s, (s + 1) * math.ceil(width / s), grids.device)
        left = up_rows[rows[:, None] + torch.arange(height, device=grids.device)]
        right = up_cols[cols[:, None] + torch.arange(width, device=grids.device)]
        return left @ grids @ right.transpose(1, 2)


def _upsampling(n_in: int, n_out: int, device: "torch.device") -> "torch.Tensor":
    """The [n_out, n_in] matrix of 1-D linear upsampling with half-pixel centres and
    mirrored borders (skimage ``resize(order=1, mode='reflect')``, i.e. ndimage 'mirror')."""
    import torch

    src = (torch.arange(n_out, dtype=torch.float64) + 0.5) * n_in / n_out - 0.5
    low = src.floor()
    matrix = torch.zeros(n_out, n_in, dtype=torch.float64)
    for index, weight in ((low, 1 - (src - low)), (low + 1, src - low)):
        index = index.long().abs()
        index = torch.where(index > n_in - 1, 2 * (n_in - 1) - index, index).clamp(0, n_in - 1)
        matrix.index_put_((torch.arange(n_out), index), weight, accumulate=True)
    return matrix.float().to(device)


@dataclass(frozen=True)
class LIME(Method):
    """``lime_image.LimeImageExplainer`` on the [0, 1] image; the map paints each
    superpixel with its weight for the target in LIME's linear model.

    - ``n_samples``: perturbed samples per image (paper: 1000).
    - ``n_superpixels``: SLIC's ``n_segments``, a target it approaches (paper: 50; Table
      A1 per model).
    - ``compactness``: SLIC's compactness (paper: 10).
    - ``sigma``: SLIC's pre-smoothing, in px at 224 px (paper: 3; scaled to the image).

    The segmenter is skimage's ``slic``: the paper's segmenter parameters (compactness,
    sigma, number of superpixels) are SLIC's; quickshift (lime's default) has neither a
    compactness nor a superpixel count. Segments are relabelled 0..K-1, the numbering
    lime's sampler assumes (slic starts at 1 by default). Switched-off superpixels are
    zeroed (``hide_color=0``, black), as the paper describes LIME and as lime's PyTorch
    tutorial calls it. The classifier function normalises the images and returns softmax
    probabilities, ``batch_size`` images a call. Each image gets its own explainer,
    seeded by (seed, image bytes). lime draws an unconditional tqdm bar on stderr; it is
    discarded.
    """

    name: ClassVar[str] = "lime"
    group: ClassVar[str] = "perturbation"
    fast_caps: ClassVar[dict[str, int]] = {"n_samples": 200}
    n_samples: int = 1000
    n_superpixels: int = 50
    compactness: float = 10.0
    sigma: float = 3.0

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import contextlib
        import io

        import numpy as np
        import torch
        from lime.lime_image import LimeImageExplainer

        def classify(batch: np.ndarray) -> np.ndarray:
            x = torch.from_numpy(batch).to(images.device, torch.float32).permute(0, 3, 1, 2)
            with torch.no_grad():
                return torch.softmax(model(model.normalize(x)), dim=1).cpu().numpy()

        maps = []
        for image, image01, target in zip(images, model.denormalize(images), targets.tolist()):
            image_rng = image_seed(image, seed)
            with contextlib.redirect_stderr(io.StringIO()):
                explanation = LimeImageExplainer(random_state=image_rng).explain_instance(
                    image01.permute(1, 2, 0).cpu().double().numpy(), classify, labels=(target,),
                    hide_color=0, top_labels=None, num_samples=self.n_samples, batch_size=self.batch_size,
                    segmentation_fn=self.segment, random_seed=image_rng)
            weights = np.zeros(explanation.segments.max() + 1)
            for segment, weight in explanation.local_exp[target]:
                weights[segment] = weight
            maps.append(torch.from_numpy(weights[explanation.segments]).float())
        return torch.stack(maps).to(images.device)

    def segment(self, image: "np.ndarray") -> "np.ndarray":
        """Superpixels [H, W], labelled 0..K-1, of one [0, 1] image [H, W, 3] (lime's
        segmentation function)."""
        import numpy as np
        from skimage.segmentation import slic

        side = min(image.shape[:2])
        labels = slic(image, n_segments=self.n_superpixels, compactness=self.compactness,
                      sigma=scaled(self.sigma, side, side), channel_axis=-1)
        return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)


@dataclass(frozen=True)
class MeaningfulPerturbation(Method):
    """Meaningful Perturbation: the smallest smooth mask whose deletion (blurring) removes
    the target's softmax probability; the map is 1 - mask.

    - ``max_iter``: Adam iterations (paper: 500; Table A1: 10 for the robust models).
    - ``lr``: Adam's learning rate (paper: 0.1).
    - ``l1_coeff``: weight of mean |1 - m| (paper: 0.01).
    - ``tv_coeff``, ``tv_beta``: weight and exponent of the total variation (0.2, 3).
    - ``mask_side``: side of the optimised low-resolution mask at 224 px (28; scaled).
    - ``blur_size``: median-filter size of the perturbed copy at 224 px (11; scaled to
      the nearest odd size, at least 3).
    - ``noise_std``: std of the Gaussian noise added to the perturbed input at every
      iteration, in the input space (0.2).

    As jacobgil/pytorch-explain-black-box ``explain.py`` (master, lines 85-148), the
    implementation the paper used: the mask starts at 1, is upsampled bilinearly with
    aligned corners, blends the image (1) with its median-blurred copy (0); the loss is
    l1 * mean|1 - m| + tv * (mean|dy m|^beta + mean|dx m|^beta) + P(target), on the
    low-resolution mask; after each Adam step the mask is clamped to [0, 1]. The median
    is taken in the input space (it commutes with the per-channel normalisation). All
    images of a ``batch_size`` chunk are optimised together; their losses are summed, so
    each mask gets exactly its own gradient, and each image's noise comes from its own
    generator seeded by (seed, image bytes).
    """

    name: ClassVar[str] = "mp"
    group: ClassVar[str] = "perturbation"
    fast_caps: ClassVar[dict[str, int]] = {"max_iter": 50}
    max_iter: int = 500
    lr: float = 0.1
    l1_coeff: float = 0.01
    tv_coeff: float = 0.2
    tv_beta: float = 3.0
    mask_side: int = 28
    blur_size: int = 11
    noise_std: float = 0.2

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import torch

        return torch.cat([self._explain(model, images[i:i + self.batch_size], targets[i:i + self.batch_size], seed)
                          for i in range(0, len(images), self.batch_size)])

    def _explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                 seed: int) -> "torch.Tensor":
        import torch
        import torch.nn.functional as F

        b, c, h, w = images.shape
        size = max(3, 2 * round((scaled(self.blur_size, min(h, w), min(h, w)) - 1) / 2) + 1)
        blurred = median_blur(images, size)
        gens = [torch.Generator(device=images.device).manual_seed(image_seed(image, seed)) for image in images]
        low = (max(1, round(scaled(self.mask_side, h, h))), max(1, round(scaled(self.mask_side, w, w))))
        mask = torch.ones(b, 1, *low, device=images.device, requires_grad=True)
        optimizer = torch.optim.Adam([mask], lr=self.lr)
        for _ in range(self.max_iter):
            with torch.enable_grad():
                up = F.interpolate(mask, size=(h, w), mode="bilinear", align_corners=True)
                noise = torch.stack([torch.randn(c, h, w, generator=g, device=images.device) for g in gens])
                perturbed = images * up + blurred * (1 - up) + self.noise_std * noise
                probs = torch.softmax(model(perturbed), dim=1).gather(1, targets[:, None])[:, 0]
                tv = ((mask[..., 1:, :] - mask[..., :-1, :]).abs().pow(self.tv_beta).mean(dim=(1, 2, 3))
                      + (mask[..., :, 1:] - mask[..., :, :-1]).abs().pow(self.tv_beta).mean(dim=(1, 2, 3)))
                loss = self.l1_coeff * (1 - mask).abs().mean(dim=(1, 2, 3)) + self.tv_coeff * tv + probs
                (mask.grad,) = torch.autograd.grad(loss.sum(), mask)
            optimizer.step()
            with torch.no_grad():
                mask.clamp_(0, 1)
        with torch.no_grad():
            return 1 - F.interpolate(mask, size=(h, w), mode="bilinear", align_corners=True)[:, 0]


def median_blur(images: "torch.Tensor", size: int) -> "torch.Tensor":
    """Per-channel median filter of odd ``size`` with replicated borders (as OpenCV's
    ``medianBlur``)."""
    import torch.nn.functional as F

    r = size // 2
    patches = F.pad(images, (r, r, r, r), mode="replicate").unfold(2, size, 1).unfold(3, size, 1)
    return patches.flatten(-2).median(dim=-1).values


@dataclass(frozen=True)
class ExtremalPerturbation(Method):
    """Extremal Perturbation (Fong et al. 2019) as TorchRay's ``extremal_perturbation``
    (preserve variant, blur perturbation, jitter, ``simple_reward`` on the target logit);
    the map is the mean of the area masks.

    - ``areas``: target areas of the masks (paper: 0.025, 0.05, 0.1, 0.2; Table A1).
    - ``max_iter``: optimisation iterations per image (paper: 800).
    - ``smooth``: Gaussian smoothing of the final masks, as a fraction of the side (0.09).
    - ``step``, ``sigma``: the mask generator's step and smoothing in px at 224 px
      (7 and 21; scaled to the image side, step rounded, at least 1).

    The optimisation loop is ours, over TorchRay's own ``MaskGenerator``,
    ``Perturbation`` and ``imsmooth``, because TorchRay's function fixes a schedule made
    for 800 iterations (SGD lr 0.01, area weight 300 grown x1.0035 per iteration, masks
    starting at 1): cut to the fast profile's 20 iterations, its masks barely leave
    their start, and the map is flat over 95 % of the image (correlation 0.45 with the
    800-iteration map on mini-ResNet images). Here the schedule spans ``max_iter``:
    the weight grows by 1.0035 ** (800 / max_iter) per iteration and the learning rate
    is 0.01 * sqrt(800 / max_iter), so that 20 iterations come much closer to the
    800-iteration map (``python -m studies.ep_schedule`` prints both; numbers in
    docs/methods.md). At 800 iterations the loop is TorchRay's, step for step (tested equal).
    TorchRay explains one image at a time, and so do we on the CPU:
    batching images was 4x slower per image there (the mask generator's 81-channel
    intermediate outgrows the cache). On CUDA the images of a call are optimised together,
    their masks in one batch (each mask's loss depends on its own image alone, so the
    optimisation is the per-image one; equal maps tested on the CPU). No random numbers are drawn (jitter flips every
    other iteration), so maps are deterministic without seeding. TorchRay's blur
    pyramid's largest sigma (20 px) is fixed inside TorchRay and not scaled.
    """

    name: ClassVar[str] = "ep"
    group: ClassVar[str] = "perturbation"
    # 800 (20 fast) optimisation steps amplify the rounding differences of 1 and 2 threads
    # into different maps, so that `-n 2` and `-n 0` reports differed; one image at a time
    # gains little from a second thread anyway.
    threads: ClassVar[int | None] = 1
    fast_caps: ClassVar[dict[str, int]] = {"max_iter": 20}
    areas: tuple[float, ...] = (0.025, 0.05, 0.1, 0.2)
    max_iter: int = 800
    smooth: float = 0.09
    step: int = 7
    sigma: float = 21.0

    #: the run length TorchRay's learning rate and weight growth are made for
    SCHEDULE_ITERATIONS: ClassVar[int] = 800
    #: device types on which the images of a call are optimised in one batch (else one by one)
    BATCH_DEVICES: ClassVar[tuple[str, ...]] = ("cuda",)

    def with_inputs_per_pass(self, inputs: int) -> "ExtremalPerturbation":
        """Images per call such that a batched forward (images x areas masked copies) holds
        about ``inputs``."""
        return dataclasses.replace(self, batch_size=max(1, inputs // len(self.areas)))

    def mask_params(self, side: int) -> tuple[int, float]:
        """The mask generator's ``step`` and ``sigma`` in px for images of side ``side``."""
        return max(1, round(scaled(self.step, side, side))), scaled(self.sigma, side, side)

    def explain(self, model: "LoadedModel", images: "torch.Tensor", targets: "torch.Tensor",
                seed: int) -> "torch.Tensor":
        import warnings

        import torch
        from torchray.attribution.extremal_perturbation import MaskGenerator

        with warnings.catch_warnings():  # TorchRay's torch.meshgrid deprecation warning, that message only
            warnings.filterwarnings("ignore", message="torch.meshgrid: in an upcoming release", category=UserWarning)
            generator = MaskGenerator(images.shape[-2:], *self.mask_params(min(images.shape[-2:]))).to(images.device)
        params = list(model.net.parameters())
        flags = [p.requires_grad for p in params]
        for p in params:
            p.requires_grad_(False)
        batched = images.device.type in self.BATCH_DEVICES
        chunks = [(images, targets)] if batched else zip(images[:, None], targets[:, None])
        try:
            with torch.enable_grad():
                return torch.cat([self._masks(model.net, generator, chunk, chunk_targets).mean(dim=1)[:, 0]
                                  for chunk, chunk_targets in chunks])
        finally:
            for p, flag in zip(params, flags):
                p.requires_grad_(flag)

    def _masks(self, net: "torch.nn.Module", generator: "MaskGenerator", images: "torch.Tensor",
               targets: "torch.Tensor") -> "torch.Tensor":
        """The smoothed area masks [B, K, 1, H, W] of images [B, C, H, W] (TorchRay
        ``extremal_perturbation``, which takes one image, run on B at once)."""
        import torch
        from torchray.attribution.extremal_perturbation import Perturbation
        from torchray.utils import imsmooth

        compression = self.SCHEDULE_ITERATIONS / self.max_iter
        perturbations = [Perturbation(image[None], num_levels=8, type="blur") for image in images]
        b, k = len(images), len(self.areas)
        pmask = torch.ones(b * k, 1, *generator.shape_in, device=images.device)
        max_area = math.prod(generator.shape_out)
        reference = torch.ones(k, max_area, device=images.device)
        for i, area in enumerate(self.areas):
            reference[i, :int(max_area * (1 - area))] = 0
        reference = reference.repeat(b, 1)
        mask_targets = targets.to(images.device).repeat_interleave(k)
        optimizer = torch.optim.SGD([pmask], lr=0.01 * math.sqrt(compression), momentum=0.9, dampening=0.9)
        weight = 300.0
        for t in range(self.max_iter):
            pmask.requires_grad_(True)
            mask_, mask = generator.generate(pmask)
            x = torch.cat([p.apply(m) for p, m in zip(perturbations, mask_.split(k))])
            if t % 2 == 0:  # jitter
                x = torch.flip(x, dims=(3,))
            reward = net(x).gather(1, mask_targets[:, None])[:, 0]
            regul = -((mask.reshape(b * k, -1).sort(dim=1)[0] - reference) ** 2).mean(dim=1) * weight
            optimizer.zero_grad()
            (-(reward + regul).sum()).backward()
            optimizer.step()
            pmask.data = pmask.data.clamp(0, 1)
            weight *= 1.0035 ** compression
        mask_ = mask_.detach()
        if self.smooth > 0:
            mask_ = imsmooth(mask_, sigma=self.smooth * min(mask_.shape[2:]), padding_mode="constant")
        return mask_.view(b, k, *mask_.shape[1:])
