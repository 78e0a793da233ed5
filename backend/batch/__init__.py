"""Batches of scoring jobs on Dask distributed: :mod:`.jobs` (what to run), :mod:`.task` (one job, on
a worker), :mod:`.run` (the cluster), :mod:`.summary` (what the batch writes at the end)."""
