"""Errors a person can act on: the ``ioc`` command prints them as one line and exits non-zero."""

from __future__ import annotations


class IOCError(Exception):
    """A problem with configuration, input or the environment, explained in one sentence.

    The sentence is the command line's, in English. ``key`` and ``params`` name the same problem for the dashboard,
    which shows it from its translations (``error.<key>`` in ``layouts/translations/errors.<lang>.json``) in the
    reader's language and without the command line's flags."""

    def __init__(self, message: str = "", *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params
