"""Errors the command line turns into one clear message (never a traceback)."""
from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """Base class: str(error) is the whole message for the user."""


class FileRejected(EtlError):
    """The whole file cannot be loaded; the database is left as it was."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")


class SchemaVersionError(EtlError):
    """The database was built by another version of the schema."""


class UsageError(EtlError):
    """Bad command-line usage (exit code 2)."""
