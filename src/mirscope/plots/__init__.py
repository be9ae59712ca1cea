"""Figures (matplotlib, saved as PNG and PDF side by side)."""
