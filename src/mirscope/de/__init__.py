"""Differential expression: DESeq2 size factors and normalisation, and the DESeq2 Wald
test (GLM fit, dispersion trend, filtering) of the contrasts of
:mod:`mirscope.inputs.outcomes`.

May import: the layers below it, never ``plots``.
"""
