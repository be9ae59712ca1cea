"""Placeholder removed once the cohort commands land."""

COMMANDS: list = []
