"""The installed version of symnn (what documents and checkpoints record)."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("symnn")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
