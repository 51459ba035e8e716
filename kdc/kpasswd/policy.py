"""Password quality for kpasswd: a table of checks, each raising SoftError with MIT-like text.

MIT's kadmind with no policy accepts any password; this realm has no policies yet, so the
quality rules are fixed here and deliberately few:

- the password is UTF-8 (what MIT clients send in UTF-8 locales; keys are derived from
  its octets, so one password must have one encoding) and has no NUL (MIT's kadmind
  treats the password as a C string and would silently cut it at the NUL);
- at least ``min_length`` characters, 8 by default: NIST SP 800-63B's minimum for
  user-chosen memorised secrets;
- at most ``max_bytes`` octets, 1024 by default: MIT's kpasswd reads no more.

A refused password is KRB5_KPASSWD_SOFTERROR ("Password change rejected" on MIT's kpasswd),
as MIT maps KADM5_PASS_Q_TOOSHORT and its siblings. The text never repeats the password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kdc.kpasswd.errors import SoftError

__all__ = ["PasswordPolicy", "DEFAULT_POLICY", "check_password"]


@dataclass(frozen=True)
class PasswordPolicy:
    """The realm-wide quality rules (see the module docstring for why these values)."""

    min_length: int = 8
    max_bytes: int = 1024


DEFAULT_POLICY = PasswordPolicy()


def _utf8(password: bytes, policy: PasswordPolicy) -> None:
    try:
        password.decode("utf-8")
    except UnicodeDecodeError:
        raise SoftError("New password is not valid UTF-8 text.") from None


def _no_nul(password: bytes, policy: PasswordPolicy) -> None:
    if b"\0" in password:
        raise SoftError("New password contains a NUL character.")


def _long_enough(password: bytes, policy: PasswordPolicy) -> None:
    if len(password.decode("utf-8")) < policy.min_length:
        raise SoftError(f"New password is too short. Please choose a password which is at least "
                        f"{policy.min_length} characters long.")


def _short_enough(password: bytes, policy: PasswordPolicy) -> None:
    if len(password) > policy.max_bytes:
        raise SoftError(f"New password is too long (more than {policy.max_bytes} bytes).")


# In order: later rows may assume earlier ones passed (length counts UTF-8 characters).
CHECKS: tuple[Callable[[bytes, PasswordPolicy], None], ...] = (_utf8, _no_nul, _short_enough, _long_enough)


def check_password(password: bytes, policy: PasswordPolicy = DEFAULT_POLICY) -> str:
    """Raise SoftError unless ``password`` passes every row of CHECKS; returns it as text."""
    for check in CHECKS:
        check(password, policy)
    return password.decode("utf-8")
