"""mirscope: plasma small-RNA sequencing reanalysis for CAR T-cell therapy cohorts.

Data flow, one direction: reads -> collapsed molecules -> alignments -> count matrix ->
statistics -> figures/tables -> report. Each stage is a module the CLI and the Snakemake
rules call; nothing here reads Snakemake globals.
"""

__version__ = "0.1.0"
