"""Reads to molecules: FASTQ parsing, adapter and UMI finding, trimming, the molecules
table (its one reader and writer) and read-level QC numbers.

May import: ``errors``, ``io``, ``inputs``, ``fetch``.
"""
