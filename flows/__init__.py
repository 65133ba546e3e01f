"""Prefect flows: one module per deployable flow; each only composes tasks and routes."""
