"""The version of the fakejob bindings (the libfakejob release they belong to)."""

__version__ = "0.1.0"
