"""The paper-vs-reanalysis comparison and what the report shows.

May import: every compute layer and ``plots``; nothing above it.
"""
