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


POWER = 0.8  # the power at which a claim's detectable effect is stated


def detectable_difference(a: Sequence[float], b: Sequence[float], alpha: float, sided: int = 1) -> float:
    """The smallest difference of means that a test at ``alpha`` detects with 80 % power on
    samples like ``a`` and ``b`` of scores in [0, 1] (normal approximation: (z_alpha +
    z_power) x the standard error of the difference). A rank test is close to it: Mann-Whitney
    U's efficiency relative to the t-test is at least 0.86.

    Each sample's variance is taken with one score at each end of the scale added (as
    Agresti and Caffo do for proportions), so that a few identical scores do not claim a
    precision they do not have; on hundreds of scores the addition is negligible.
    """
    import numpy as np
    from scipy.stats import norm

    a_arr, b_arr = (np.append(np.asarray(x, dtype=float), [0.0, 1.0]) for x in (a, b))
    se = np.sqrt(a_arr.var(ddof=1) / len(a_arr) + b_arr.var(ddof=1) / len(b_arr))
    return float((norm.ppf(1 - alpha / sided) + norm.ppf(POWER)) * se)


def equivalence_p(a: Sequence[float], b: Sequence[float], margin: float) -> float:
    """p-value of "the means of ``a`` and ``b`` (scores in [0, 1]) differ by less than
    ``margin``": two one-sided Welch t-tests (TOST, Schuirmann 1987) against -margin and
    +margin; the larger p. Each sample gets one score at each end of the scale, as in
    :func:`detectable_difference`, so a few identical scores do not show equivalence."""
    import numpy as np
    from scipy.stats import ttest_ind

    a_arr, b_arr = (np.append(np.asarray(x, dtype=float), [0.0, 1.0]) for x in (a, b))
    above = ttest_ind(a_arr + margin, b_arr, equal_var=False, alternative="greater").pvalue
    below = ttest_ind(a_arr - margin, b_arr, equal_var=False, alternative="less").pvalue
    return float(max(above, below))


def detectable_correlation(n: int, alpha: float) -> float:
    """The smallest correlation a one-sided test at ``alpha`` detects with 80 % power on
    ``n`` pairs (Fisher's z: atanh(rho) sqrt(n - 3) = z_alpha + z_power)."""
    import math

    from scipy.stats import norm

    if n <= 3:
        return 1.0
    return math.tanh((norm.ppf(1 - alpha) + norm.ppf(POWER)) / math.sqrt(n - 3))


def below_p(values: Sequence[float], level: float) -> float:
    """p-value of "the scores lie below ``level``": one-sided Wilcoxon signed-rank test of
    ``values - level`` (zero differences dropped); 1.0 when every score equals ``level``."""
    import numpy as np
    from scipy.stats import wilcoxon

    diff = np.asarray(values, dtype=float) - level
    if len(diff) == 0 or not np.any(diff):
        return 1.0
    return float(wilcoxon(diff, alternative="less", zero_method="wilcox").pvalue)


def detectable_shift(values: Sequence[float], alpha: float) -> float:
    """The smallest shift of the mean from a fixed level that a one-sided test at ``alpha``
    detects with 80 % power on scores like ``values`` (normal approximation, as
    :func:`detectable_difference`); infinite with fewer than two scores."""
    import numpy as np
    from scipy.stats import norm

    arr = np.asarray(values, dtype=float)
    if len(arr) < 2:
        return float("inf")
    return float((norm.ppf(1 - alpha) + norm.ppf(POWER)) * arr.std(ddof=1) / np.sqrt(len(arr)))


def mean_above_p(values: Sequence[float], level: float, scale: tuple[float, float]) -> float:
    """p-value of "the mean of ``values`` lies above ``level``": one-sided one-sample t-test.
    For a margin on a mean (non-inferiority), where a rank test would test the median: the
    differences of two hit-or-miss scores are -1, 0 or 1, with median 0 whatever the mean.
    The values get one more at each end of ``scale`` (as :func:`detectable_difference` pads
    its samples), so that a few identical values do not pass as a certain mean; 1.0 without values."""
    import numpy as np
    from scipy.stats import ttest_1samp

    if len(values) == 0:
        return 1.0
    arr = np.append(np.asarray(values, dtype=float), scale)
    return float(ttest_1samp(arr, level, alternative="greater").pvalue)
