"""Paper findings as claims: the claim contract (base.py) and the paper's claims (paper.py)."""
