"""Placeholder while the ipfs package moves its command group here."""

from pytest_ipfs_accelerate.ipfs.cli import register

__all__ = ["register"]
