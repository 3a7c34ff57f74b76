"""dokeos-audit: find what breaks when a Python integration moves to the Dokeos API V2."""

__version__ = "0.1.0"
TOOL_NAME = "dokeos-audit"
