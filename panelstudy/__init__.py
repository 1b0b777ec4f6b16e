"""Econometrics of a province-by-year panel study.

Pure functions on DataFrames and arrays: province names, raw-extract readers, panel
assembly, the entropy-weighted index, two-way fixed effects, the Hansen (1999) panel
threshold, tidy tables and the demo simulation. Nothing here imports Snakemake.
"""

__version__ = "0.1.0"
