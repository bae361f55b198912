"""Exception types. Every message names the thing that is wrong and how to fix it."""

from __future__ import annotations


class IpfsAccelError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(IpfsAccelError):
    """A config file, option or environment variable is malformed or invalid."""


class DatabaseError(IpfsAccelError):
    """The results database cannot be opened, read or written."""


class DatabaseLockedError(DatabaseError):
    """Another process holds the results database open for writing."""


class SchemaVersionError(DatabaseError):
    """The database was written by a newer schema than this version understands."""
