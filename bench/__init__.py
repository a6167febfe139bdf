"""`make bench`: ratios measured in one run on one generated inventory."""
