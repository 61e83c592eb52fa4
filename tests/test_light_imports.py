"""Building the registry must not import heavy libraries (they belong inside functions)."""

import subprocess
import sys

HEAVY = ("torch", "numpy", "scipy", "torchvision", "pytorch_grad_cam", "torchray", "captum", "shap", "lime")

CODE = f"""
import sys
from pytest_xai.registry import Registry
from pytest_xai.builtins import register_builtins
r = Registry()
register_builtins(r)
offenders = [name for name in {HEAVY!r} if name in sys.modules]
assert not offenders, f"heavy modules imported while building the registry: {{offenders}}"
"""


def test_building_the_registry_imports_no_heavy_library():
    # A fresh interpreter: this one has torch etc. loaded already. On failure the child's
    # assertion message (the offenders) shows in pytest's captured stderr.
    subprocess.run([sys.executable, "-c", CODE], check=True)
