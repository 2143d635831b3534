"""Contract Workbench: govern a repository's JSON Schema contracts."""

__version__ = "0.1.0"
