"""Statistical tests shared by cells and claims (scipy.stats)."""

from __future__ import annotations

from typing import Sequence


def paired_one_sided_p(a: Sequence[float], b: Sequence[float], higher_is_better: bool) -> float:
    """p-value of "a is better than b" on paired per-image scores (Wilcoxon signed-rank,
    zero differences dropped). 1.0 when every pair is tied."""
    import numpy as np
    from scipy.stats import wilcoxon

    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(diff) == 0 or not np.any(diff):
        return 1.0
    return float(wilcoxon(diff, alternative="greater" if higher_is_better else "less",
                          zero_method="wilcox").pvalue)


def unpaired_one_sided_p(a: Sequence[float], b: Sequence[float], higher_is_better: bool) -> float:
    """p-value of "a is better than b" on independent samples (Mann-Whitney U)."""
    import numpy as np
    from scipy.stats import mannwhitneyu

    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a_arr) == 0 or len(b_arr) == 0:
        return 1.0
    if np.all(a_arr == a_arr[0]) and np.all(b_arr == a_arr[0]):
        return 1.0
    return float(mannwhitneyu(a_arr, b_arr, alternative="greater" if higher_is_better else "less").pvalue)
