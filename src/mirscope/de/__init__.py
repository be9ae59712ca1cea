"""Differential expression: DESeq2 size factors and normalisation, contrasts from clinical
variables, and the DESeq2 Wald test (GLM fit, dispersion trend, filtering).

May import: the layers below it, never ``plots``.
"""
