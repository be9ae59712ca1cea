"""Bringing data in: HTTP with resume and checksums, SRA/ENA downloads, the miRBase
reference.

May import: ``errors``, ``io``, ``inputs``.
"""
