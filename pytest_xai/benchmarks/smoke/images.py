"""The `smoke` benchmark's images: coloured squares on noise, for fast tests only.

Three classes (the square is red, green or blue) on a grey noise background,
32 x 32 px, one box per image. The models of this benchmark are untrained
(see ``models.py``), so its scores test the plumbing, not methods.
"""

from __future__ import annotations

from pytest_xai.benchmarks.base import ImageSet

SIZE = 32
CLASS_NAMES = ("red", "green", "blue")


def load(n: int, seed: int) -> ImageSet:
    """``n`` images drawn with ``seed``; image i depends only on (seed, i)."""
    import torch

    images, labels, boxes = [], [], []
    for index in range(n):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + index)
        image = 0.4 + 0.2 * torch.rand(3, SIZE, SIZE, generator=gen)
        label = int(torch.randint(len(CLASS_NAMES), (1,), generator=gen))
        side = int(torch.randint(6, 13, (1,), generator=gen))
        x0, y0 = (int(v) for v in torch.randint(0, SIZE - side + 1, (2,), generator=gen))
        image[:, y0:y0 + side, x0:x0 + side] = 0.1
        image[label, y0:y0 + side, x0:x0 + side] = 0.9
        images.append(image)
        labels.append(label)
        boxes.append((x0, y0, x0 + side - 1, y0 + side - 1))
    return ImageSet(images=torch.stack(images), labels=torch.tensor(labels),
                    boxes=torch.tensor(boxes, dtype=torch.long),
                    ids=tuple(f"smoke-{seed}-{i}" for i in range(n)))
