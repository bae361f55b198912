"""Placeholder while the containers package moves its command group here."""

from pytest_ipfs_accelerate.containers.cli import register

__all__ = ["register"]
