"""Pixel sizes that the papers and reference implementations state for 224 px images, at
the size of the images evaluated: lengths scale with the image side, areas with its square."""

from __future__ import annotations

REFERENCE_SIDE = 224
"""Image side (px) at which the reference implementations state their pixel parameters."""


def scaled(value_at_224: float, h: int, w: int, power: int = 1) -> float:
    """``value_at_224 * (side / 224) ** power`` with ``side = sqrt(h * w)``.

    ``power=1`` scales a length (tolerance, blur radius, an L2 budget per side), ``power=2``
    an area (pixels per step). For square images ``side`` is the image side.
    """
    return value_at_224 * (h * w / REFERENCE_SIDE**2) ** (power / 2)
