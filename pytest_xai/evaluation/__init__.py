"""Evaluating cells and claims, in the order the data flows:

``inputs`` (models, evaluation images, the CL subset, predictions) -> ``engine`` (store
keys, maps, per-image scores) -> ``records`` (a cell's report record with its reference
and baseline verdicts; a claim's table of scores). Everything computed goes through the
score store, so cells and claims share it and a rerun computes nothing.
"""
