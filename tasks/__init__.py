"""Prefect tasks by capability; each is one I/O boundary or one decision over plain functions."""
