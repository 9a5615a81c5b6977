"""The package's version: the one place it is written (the build reads it from here too)."""

__all__ = ["__version__"]

__version__ = "0.2.0"
