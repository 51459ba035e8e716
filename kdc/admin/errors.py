"""kdcadmin's errors: each carries its exit status (CONTRACT.md) and a one-line message."""

from __future__ import annotations


class AdminError(Exception):
    """A failed kdcadmin command; ``str()`` is one line, ``exit_code`` per CONTRACT.md."""

    exit_code = 1


class Refused(AdminError):
    """A refused operation (unknown principal, exists already, policy): exit status 1."""

    exit_code = 1


class UsageError(AdminError):
    """Bad command line or bad value (name, flag, duration, enctype): exit status 2."""

    exit_code = 2

