"""Findings as claims: the claim contract (base.py), the paper's claims (paper.py) and the
sanity checks every explainer should pass (sanity.py)."""
