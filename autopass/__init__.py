"""Autopass: machines check auto-loan dossiers; what they cannot settle becomes a human micro-task."""

__version__ = "0.1.0"
