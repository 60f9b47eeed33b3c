"""Tournée: book travelling exhibitions into venues and run their logistics."""

__version__ = "0.1.0"
