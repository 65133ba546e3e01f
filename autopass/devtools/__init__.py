"""Tools that measure the product (benchmarks, evaluations); a centre's deployment never runs them,
and nothing in the product imports them (``pyproject.toml``'s import contracts)."""
