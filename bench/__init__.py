"""Benchmarks: each module here with ``run(args)`` prints its figures; ``python -m bench`` runs them all."""
