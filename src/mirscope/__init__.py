"""mirscope: plasma small-RNA sequencing reanalysis for CAR T-cell therapy cohorts.

Data flow, one direction: reads -> collapsed molecules -> alignments -> count matrix ->
statistics -> figures/tables -> report. The package is layered in that order, lowest
first; a module imports only from its own layer and the layers below it (checked by
``tests/test_layers.py``, function-local imports included):

1. ``errors`` then ``io``: the error types; atomic writers and the shared readers.
2. ``inputs``: what the user supplies (config and kit presets, sample sheet, clinical
   table), validated once, and the clinical concepts read from it (outcomes, contrasts).
3. ``fetch``: HTTP, SRA/ENA downloads, the miRBase reference.
4. ``reads``: FASTQ, trimming, the molecules table, read QC numbers.
5. ``counts``: alignment, assignment, UMI deduplication, count matrices.
6. ``de``: size factors, DESeq2 Wald tests.
7. ``stats``: clustering, Fisher, association tests, logistic and LASSO models.
8. ``survival``: cut-offs, Kaplan-Meier, Cox, competing risks.
9. ``companion``: the companion studies' analyses.
10. ``plots``: the only package that draws.
11. ``report``: the paper-vs-reanalysis comparison.
12. ``stages``: files in, tables and figures out, one per workflow stage; the writers.
13. ``simulate``: the demo cohort, built from the lower layers only.
14. ``cli``: argv to one stage call.

Compute layers (``inputs`` to ``companion``) never draw, and return data rather than
write files: ``stages`` writes them. The exceptions are named, with their reasons, in
``WRITERS`` of ``tests/test_layers.py``, which fails on any other write: downloads
(``fetch``), the clinical table's canonical writer, the molecules table streamed from the
trim counter, and the BAM bowtie writes. Nothing here reads Snakemake globals.
"""

__version__ = "0.1.0"
