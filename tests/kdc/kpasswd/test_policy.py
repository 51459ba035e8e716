"""Password quality checks: the rows of kdc.kpasswd.policy.CHECKS and their order."""

from __future__ import annotations

import pytest

from kdc.kpasswd.errors import ResultCode, SoftError
from kdc.kpasswd.policy import DEFAULT_POLICY, PasswordPolicy, check_password


def test_good_password_passes_and_comes_back_as_text():
    """A UTF-8 password of the minimum length passes; the text is returned decoded."""
    assert check_password("pässwörd".encode()) == "pässwörd"


@pytest.mark.parametrize("password, words", [
    (b"Qz7!", "too short"),
    (b"\xff\xfe-not-utf8", "UTF-8"),
    (b"has-a-\0-nul-inside", "NUL"),
    (b"x" * 1025, "too long"),
])
def test_refusals_are_soft_errors_naming_the_rule(password, words):
    """Each broken rule is SOFTERROR with a message naming it, never echoing the password."""
    with pytest.raises(SoftError) as info:
        check_password(password)
    assert info.value.result == ResultCode.KRB5_KPASSWD_SOFTERROR
    assert words in info.value.text
    assert password.decode("latin-1") not in info.value.text


def test_length_counts_characters_not_bytes():
    """Eight accented letters are eight characters (16 UTF-8 bytes): long enough; seven are not."""
    assert check_password(("é" * 8).encode()) == "é" * 8
    with pytest.raises(SoftError):
        check_password(("é" * 7).encode())


def test_minimum_comes_from_the_policy():
    """The minimum is the policy's: 8 by default, and the message states it."""
    assert DEFAULT_POLICY.min_length == 8
    check_password(b"abc", PasswordPolicy(min_length=3))
    with pytest.raises(SoftError) as info:
        check_password(b"abcdefghi", PasswordPolicy(min_length=12))
    assert "12 characters" in info.value.text
