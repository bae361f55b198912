"""Helpers for testing against results DBs: :mod:`.synthetic` builds DBs with known runs,
tests, benchmarks and metrics, row by row or in bulk.

Used by this project's tests and harness. The builders write plain SQL, never through the
plugin, and need nothing above ``db``.
"""
