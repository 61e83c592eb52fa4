"""Imported once here so that pytester's in-process runs reuse them: pytester forgets
modules first imported inside a run, and torch's C extension cannot be imported twice."""

import pytorch_grad_cam  # noqa: F401
import scipy.stats  # noqa: F401
import torch  # noqa: F401
import torchray.attribution.gradient  # noqa: F401

import pytest_xai.metrics  # noqa: F401
