"""symnn's own exceptions: what symnn cannot do (yet), as against bad input (a ValueError or TypeError)."""

__all__ = ["Unsupported"]


class Unsupported(NotImplementedError):
    """symnn cannot do this (yet): a construct it cannot generate code for, or a loss it cannot batch."""
