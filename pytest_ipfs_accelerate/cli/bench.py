"""Placeholder while the harness command moves here."""

from pytest_ipfs_accelerate.bench_cli import register

__all__ = ["register"]
