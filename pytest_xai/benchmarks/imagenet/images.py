"""The `imagenet` benchmark's images: ILSVRC2012 validation images and boxes, from local files.

Under the root given by ``--xai-imagenet-root`` (ROOT):

* boxes: the per-image XML files (PASCAL VOC format) in the first of ``ROOT/val``
  (``ILSVRC2012_bbox_val_v3.tgz`` extracted into ROOT), ``ROOT/Annotations/CLS-LOC/val`` or
  ``ROOT/ILSVRC/Annotations/CLS-LOC/val`` (the CLS-LOC tarball, Kaggle's ImageNet Object
  Localization Challenge) that holds ``*.xml`` files; else ``ROOT/LOC_val_solution.csv`` (Kaggle).
* images: ``<id>.JPEG`` in ``ROOT/val``, ``ROOT/val/<wnid>`` (torchvision's ImageFolder layout),
  ``ROOT/Data/CLS-LOC/val`` or ``ROOT/ILSVRC/Data/CLS-LOC/val``.
* labels: ``ROOT/LOC_synset_mapping.txt`` is required: line i is ``<wnid> <names>`` of class i
  (the 1000 wnids sorted, torchvision's class order; a bare wnid per line will do). An image's
  class is the wnid of its box.

The paper's filter (Sec. 2.1): exactly one box, covering at most 50% of the image. Geometry, as
torchvision evaluates ImageNet models: the shorter side resized to 256 (bilinear, antialiased),
then the centre 224 x 224 crop. Box coordinates are taken as inclusive pixel indices; a box goes
through the same resize and crop, becomes the pixels it covers and is clipped to the crop; an
image whose box has less than half its area inside the crop is left out. The order is the sort
by sha256 of (seed, image id): deterministic and prefix-stable. Annotations are parsed once per
process; ``load`` decodes only the images it returns (with the CSV, which gives no image sizes,
it also reads the headers of the images it examines).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_xai.benchmarks.base import ImageSet, MissingFile

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

SIZE = 224
RESIZE = 256
MAX_BOX_FRACTION = 0.5
MIN_VISIBLE = 0.5
MAPPING = "LOC_synset_mapping.txt"
CSV = "LOC_val_solution.csv"
XML_DIRS = ("val", "Annotations/CLS-LOC/val", "ILSVRC/Annotations/CLS-LOC/val")
IMAGE_DIRS = ("val", "val/{wnid}", "Data/CLS-LOC/val", "ILSVRC/Data/CLS-LOC/val")

Box = tuple[int, int, int, int]


@dataclass
class _Index:
    """A root's one-box images and its classes."""

    root: Path
    wnids: tuple[str, ...]
    records: dict[str, tuple[str, Box]]  # id -> (wnid, box in the original image)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (width, height)

    def image_path(self, image_id: str) -> Path:
        wnid = self.records[image_id][0]
        tried = [self.root / d.format(wnid=wnid) / f"{image_id}.JPEG" for d in IMAGE_DIRS]
        for path in tried:
            if path.is_file():
                return path
        raise MissingFile(f"imagenet: image {image_id}.JPEG not found; expected one of "
                          + ", ".join(str(p) for p in tried))

    def size(self, image_id: str) -> tuple[int, int]:
        if image_id not in self.sizes:
            from PIL import Image

            with Image.open(self.image_path(image_id)) as image:
                self.sizes[image_id] = image.size
        return self.sizes[image_id]


class ClassNames(Sequence[str]):
    """The class names of ``LOC_synset_mapping.txt``, read when first used (registration reads
    nothing); empty when the root or the file is missing (then there are no images either)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _names(self) -> tuple[str, ...]:
        try:
            return _mapping(_require(self.root))[1]
        except MissingFile:
            return ()

    def __getitem__(self, i: Any) -> Any:
        return self._names()[i]

    def __len__(self) -> int:
        return len(self._names())


def load(root: Path | None, n: int, seed: int) -> ImageSet:
    """The first ``n`` images of ``root`` in the seeded order that pass the filter (fewer if
    the root has fewer), 224 x 224, with their boxes in that frame."""
    import numpy as np
    import torch
    from PIL import Image

    index = _index(_require(root))
    order = sorted(index.records, key=lambda i: hashlib.sha256(f"{seed}/{i}".encode()).digest())
    chosen: list[tuple[str, Box]] = []
    for image_id in order:
        if len(chosen) == n:
            break
        width, height = index.size(image_id)
        box = index.records[image_id][1]
        if _area(box) <= MAX_BOX_FRACTION * width * height:
            cropped = crop_box(box, width, height)
            if cropped is not None:
                chosen.append((image_id, cropped))
    images = torch.empty(len(chosen), 3, SIZE, SIZE)
    for i, (image_id, _) in enumerate(chosen):
        with Image.open(index.image_path(image_id)) as image:
            if image.size != index.size(image_id):
                raise ValueError(f"imagenet: {image.filename} is {image.size} px, its annotation says "
                                 f"{index.size(image_id)}")
            pixels = np.array(_resize_crop(image.convert("RGB")), dtype=np.uint8)
        images[i] = torch.from_numpy(pixels).permute(2, 0, 1).float() / 255
    classes = {wnid: k for k, wnid in enumerate(index.wnids)}
    labels = [classes[index.records[i][0]] for i, _ in chosen]
    return ImageSet(images=images, labels=torch.tensor(labels, dtype=torch.long),
                    boxes=torch.tensor([b for _, b in chosen], dtype=torch.long).reshape(-1, 4),
                    ids=tuple(i for i, _ in chosen))


def resized_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) after resizing the shorter side to 256, as torchvision's ``Resize(256)``."""
    if width <= height:
        return RESIZE, int(RESIZE * height / width)
    return int(RESIZE * width / height), RESIZE


def crop_offset(width: int, height: int) -> tuple[int, int]:
    """(left, top) of the centre crop in the resized image, as torchvision's ``CenterCrop(224)``."""
    new_w, new_h = resized_size(width, height)
    return int(round((new_w - SIZE) / 2.0)), int(round((new_h - SIZE) / 2.0))


def crop_box(box: Box, width: int, height: int) -> Box | None:
    """The box (inclusive pixels of a width x height image) in the 224 x 224 frame, clipped;
    None when less than half of its area lies inside the crop."""
    new_w, new_h = resized_size(width, height)
    left, top = crop_offset(width, height)
    sx, sy = new_w / width, new_h / height
    x0, y0 = box[0] * sx - left, box[1] * sy - top
    x1, y1 = (box[2] + 1) * sx - left, (box[3] + 1) * sy - top
    inside = max(0.0, min(x1, SIZE) - max(x0, 0)) * max(0.0, min(y1, SIZE) - max(y0, 0))
    if inside < MIN_VISIBLE * (x1 - x0) * (y1 - y0):
        return None
    return (max(math.floor(x0), 0), max(math.floor(y0), 0),
            min(math.ceil(x1) - 1, SIZE - 1), min(math.ceil(y1) - 1, SIZE - 1))


def _resize_crop(image: "PILImage") -> "PILImage":
    from PIL import Image

    left, top = crop_offset(*image.size)
    resized = image.resize(resized_size(*image.size), Image.BILINEAR)
    return resized.crop((left, top, left + SIZE, top + SIZE))


def _area(box: Box) -> int:
    return (box[2] - box[0] + 1) * (box[3] - box[1] + 1)


def _require(root: Path | None) -> Path:
    if root is None:
        raise MissingFile("the imagenet benchmark needs --xai-imagenet-root DIR (ini xai_imagenet_root): "
                          f"the ILSVRC2012 folder with {MAPPING}, the val images and their boxes")
    if not root.is_dir():
        raise MissingFile(f"imagenet: --xai-imagenet-root {root} is not a folder")
    return root


@lru_cache(maxsize=None)
def _mapping(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The wnids and names of the classes, in class-index order."""
    mapping = root / MAPPING
    if not mapping.is_file():
        raise MissingFile(f"imagenet: expected {mapping}: one line '<wnid> <names>' per class, in class-index "
                          "order (the 1000 wnids sorted), e.g. Kaggle's ImageNet Object Localization file")
    lines = [line.split(maxsplit=1) for line in mapping.read_text().splitlines() if line.strip()]
    return tuple(parts[0] for parts in lines), tuple(parts[-1].strip() for parts in lines)


@lru_cache(maxsize=None)
def _index(root: Path) -> _Index:
    """Parse the root's class mapping and box annotations (once per process and root)."""
    wnids = _mapping(root)[0]
    xml_dir = next((root / d for d in XML_DIRS if (root / d).is_dir() and any((root / d).glob("*.xml"))), None)
    if xml_dir is not None:
        boxes, sizes = _read_xml(xml_dir)
    elif (root / CSV).is_file():
        boxes, sizes = _read_csv(root / CSV), {}
    else:
        raise MissingFile(f"imagenet: no box annotations under {root}: expected the per-image XML files "
                          f"(<id>.xml) in one of {', '.join(str(root / d) for d in XML_DIRS)}, or {root / CSV}")
    known = set(wnids)
    records = {}
    for image_id, objects in boxes.items():
        unknown = {w for w, _ in objects} - known
        if unknown:
            raise ValueError(f"imagenet: {image_id}'s box class {sorted(unknown)[0]} is not in {root / MAPPING}")
        if len(objects) == 1:
            records[image_id] = objects[0]
    return _Index(root=root, wnids=wnids, records=records,
                  sizes={i: s for i, s in sizes.items() if i in records})


def _read_xml(folder: Path) -> tuple[dict[str, list[tuple[str, Box]]], dict[str, tuple[int, int]]]:
    import xml.etree.ElementTree as ET

    boxes, sizes = {}, {}
    for path in sorted(folder.glob("*.xml")):
        tree = ET.parse(path).getroot()
        boxes[path.stem] = [(obj.findtext("name", "").strip(),
                             tuple(int(float(obj.findtext(f"bndbox/{k}", "nan")))
                                   for k in ("xmin", "ymin", "xmax", "ymax")))
                            for obj in tree.iter("object")]
        width, height = int(tree.findtext("size/width", "0")), int(tree.findtext("size/height", "0"))
        if width > 0 and height > 0:
            sizes[path.stem] = (width, height)
    return boxes, sizes


def _read_csv(path: Path) -> dict[str, list[tuple[str, Box]]]:
    import csv

    boxes = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            tokens = row["PredictionString"].split()
            boxes[row["ImageId"]] = [(tokens[k], tuple(int(float(v)) for v in tokens[k + 1:k + 5]))
                                     for k in range(0, len(tokens), 5)]
    return boxes
