"""One folder per benchmark (its images, its models and its registration); ``base.py``
holds the contracts they fill: ``ImageSet``, ``Benchmark``, ``ModelSpec``."""
