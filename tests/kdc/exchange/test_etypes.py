"""Enctype selection tables (RFC 4120 3.1.3; MIT select_client_key / select_session_keytype)."""

from __future__ import annotations

import pytest

from kdc.config import CryptoConfig
from kdc.db.model import StoredKey
from kdc.exchange.etypes import (
    is_keyed_checksum,
    select_reply_etype,
    select_session_etype,
    select_ticket_key,
    usable_enctypes,
)

DEFAULT = CryptoConfig()
WEAK_OK = CryptoConfig(permitted_enctypes=(18, 17, 23), allow_weak_crypto=True)
NO_WEAK = CryptoConfig(permitted_enctypes=(18, 17, 23), allow_weak_crypto=False)


@pytest.mark.parametrize("crypto,expected", [
    (DEFAULT, (20, 19, 18, 17, 26, 25)),
    (WEAK_OK, (18, 17, 23)),
    (NO_WEAK, (18, 17)),
    (CryptoConfig(permitted_enctypes=(3, 16, 18)), (18,)),  # DES and DES3 are not implemented
])
def test_usable_enctypes(crypto, expected):
    """Permitted, implemented, and weak only when allowed, in the configured order."""
    assert usable_enctypes(crypto) == expected


# (client's requested list, enctypes the client has keys for, crypto config) -> reply enctype
REPLY_ROWS = [
    ((18, 17), (17, 18), DEFAULT, 18),
    ((17, 18), (17, 18), DEFAULT, 17),  # the client's order wins, not the KDC's ranking
    ((20, 18), (18,), DEFAULT, 18),
    ((23, 18), (23, 18), NO_WEAK, 18),
    ((23, 18), (23, 18), WEAK_OK, 23),
    ((23,), (23,), NO_WEAK, None),
    ((19,), (18, 17), DEFAULT, None),
    ((), (18,), DEFAULT, None),
]


@pytest.mark.parametrize("requested,keys,crypto,chosen", REPLY_ROWS)
def test_reply_etype(requested, keys, crypto, chosen):
    """The reply key is the first requested enctype the client has a key for and policy permits."""
    assert select_reply_etype(requested, keys, usable_enctypes(crypto)) == chosen


# (requested, server key enctypes, crypto) -> session enctype
SESSION_ROWS = [
    ((20, 18), (18, 17), DEFAULT, 18),
    ((17, 18), (18, 17), DEFAULT, 17),
    ((19,), (18, 17), DEFAULT, None),
    ((18,), (17,), DEFAULT, 18),  # MIT: every server is assumed to support aes256-cts-hmac-sha1-96
    ((23, 17), (23, 17), NO_WEAK, 17),
    ((23, 17), (23, 17), WEAK_OK, 23),
    ((18,), (18,), CryptoConfig(permitted_enctypes=(17,)), None),
]


@pytest.mark.parametrize("requested,server,crypto,chosen", SESSION_ROWS)
def test_session_etype(requested, server, crypto, chosen):
    """The session key is the first requested enctype the server supports and policy permits."""
    assert select_session_etype(requested, server, usable_enctypes(crypto)) == chosen


def _keys(*etypes):
    return tuple(StoredKey(kvno=1, enctype=e, sealed=b"", mkvno=1) for e in etypes)


@pytest.mark.parametrize("server,crypto,chosen", [
    ((18, 17, 20, 19), DEFAULT, 20),
    ((17, 18), DEFAULT, 18),
    ((23, 17), NO_WEAK, 17),
    ((23,), NO_WEAK, None),
    ((18, 17), CryptoConfig(permitted_enctypes=(17, 18)), 17),
])
def test_ticket_key(server, crypto, chosen):
    """Tickets are encrypted in the server's strongest key, ranked by permitted_enctypes."""
    key = select_ticket_key(_keys(*server), usable_enctypes(crypto))
    assert (key.enctype if key else None) == chosen


@pytest.mark.parametrize("cksumtype,keyed", [(16, True), (15, True), (20, True), (-138, True), (1, False), (7, False), (10, False)])
def test_keyed_checksums(cksumtype, keyed):
    """HMAC/CMAC checksums are keyed; CRC32, MD5 and SHA1 are not."""
    assert is_keyed_checksum(cksumtype) is keyed


# -- the per-record memoised choices ---------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from kdc.db.model import PrincipalEntry  # noqa: E402
from kdc.exchange.etypes import reply_etype_for, session_etype_for, ticket_key_for  # noqa: E402
from protocol.principal import Principal  # noqa: E402

_ETYPES = st.sampled_from((17, 18, 19, 20, 23, 25, 26))


def _record(keys: list[tuple[int, int]], kvno: int) -> PrincipalEntry:
    return PrincipalEntry(principal=Principal.parse("p", "EXAMPLE.TEST"), attributes=0, kvno=kvno,
                          keys=tuple(StoredKey(kvno=v, enctype=e, sealed=b"s", mkvno=1) for v, e in keys))


@given(keys=st.lists(st.tuples(st.integers(1, 3), _ETYPES), max_size=6), kvno=st.integers(1, 3),
       requested=st.lists(_ETYPES, max_size=8), usable=st.lists(_ETYPES, unique=True, max_size=7))
def test_memoised_choices_equal_the_plain_ones(keys, kvno, requested, usable):
    """reply_etype_for / session_etype_for / ticket_key_for answer what the plain selections
    answer, on the first call (computed) and the second (memoised)."""
    usable = tuple(usable)
    entry = _record(keys, kvno)
    for _ in range(2):
        assert reply_etype_for(requested, entry, usable) == select_reply_etype(
            requested, (k.enctype for k in entry.keys_for_kvno()), usable)
        assert session_etype_for(requested, entry, usable) == select_session_etype(
            requested, (k.enctype for k in entry.keys), usable)
        assert ticket_key_for(entry, usable) == select_ticket_key(entry.keys_for_kvno(), usable)


def test_memo_belongs_to_the_record_and_the_configuration():
    """A changed record (new keys: a new object from the store) and another configuration
    get their own answers, never the memo of an earlier one."""
    old = _record([(1, 17)], 1)
    assert ticket_key_for(old, (18, 17)).enctype == 17
    new = _record([(2, 18), (2, 17)], 2)
    assert ticket_key_for(new, (18, 17)).enctype == 18
    assert ticket_key_for(new, (17, 18)).enctype == 17
    assert reply_etype_for((18, 17), new, (17,)) == 17
    assert reply_etype_for((18, 17), new, (18, 17)) == 18
    assert new == _record([(2, 18), (2, 17)], 2)  # the memo is not part of the record's value


def test_derived_computes_once_and_stays_bounded():
    """derived() runs compute once per key; past its limit it computes without keeping."""
    entry = _record([(1, 18)], 1)
    calls = []

    def compute(e):
        calls.append(e)
        return len(calls)

    assert entry.derived("k", compute) == 1 and entry.derived("k", compute) == 1
    for i in range(200):
        entry.derived(("n", i), compute)
    assert len(entry.__dict__["_derived"]) <= 64
    before = len(calls)
    entry.derived(("n", 199), compute)
    assert len(calls) == before + 1  # not kept: computed again
