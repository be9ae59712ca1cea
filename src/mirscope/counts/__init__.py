"""Molecules to counts: bowtie alignment of unique inserts, assignment to mature miRNAs,
directional UMI deduplication, per-sample counting and the cohort count matrices.

May import: everything below it (``errors``/``io``, ``inputs``, ``fetch``, ``reads``).
"""
