"""Helpers for the SLURM integration test: a throw-away local cluster (cluster.py)."""
