"""Placeholder while the hardware package moves its command group here."""

from pytest_ipfs_accelerate.hardware.cli import register

__all__ = ["register"]
