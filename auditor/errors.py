"""Exceptions users can cause; each is caught at the CLI edge and printed as one line."""


class AuditError(Exception):
    """Base class: a failure caused by input or configuration, never a bug."""


class UnreadableSource(AuditError):
    """A Python file that cannot be read or parsed."""


class UnreadableCapture(AuditError):
    """A capture file (flow dump, HAR) that cannot be read, in whole or in part."""


class ConfigError(AuditError):
    """Invalid configuration (pyproject.toml section or command-line options)."""


class ResultFileError(AuditError):
    """A JSON result file given to `report` that is not a dokeos-audit result."""
