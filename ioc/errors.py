"""Errors a person can act on: the ``ioc`` command prints them as one line and exits non-zero."""


class IOCError(Exception):
    """A problem with configuration, input or the environment, explained in one sentence."""
