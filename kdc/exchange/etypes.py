"""Enctype policy: which enctypes may be used, and which one each key of a reply gets.

RFC 4120 section 3.1.3 and MIT krb5kdc (select_client_key, select_session_keytype,
dbentry_supports_enctype). The realm's ``[crypto] permitted_enctypes`` list is the
strength ranking: the first permitted enctype a principal has a key for is its strongest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol.constants import EncType
from protocol.crypto.enctypes import get_checksum_type, get_enctype
from protocol.errors import UnsupportedEncType

from kdc.config import CryptoConfig
from kdc.db.model import PrincipalEntry, StoredKey
from kdc.exchange.errors import EtypeNoSupp, Generic
from protocol.messages import EncryptionKey


def usable_enctypes(crypto: CryptoConfig) -> tuple[int, ...]:
    """Permitted enctypes that we implement, strongest first; weak ones only if allowed.

    The exchange reads it once per context (``KDCContext.usable``).
    """
    out = []
    for etype in crypto.permitted_enctypes:
        try:
            row = get_enctype(etype)
        except UnsupportedEncType:
            continue
        if row.weak and not crypto.allow_weak_crypto:
            continue
        out.append(etype)
    return tuple(out)


def select_reply_etype(requested: Sequence[int], key_etypes: Iterable[int], usable: Sequence[int]) -> int | None:
    """The AS reply-key enctype: the client's first requested enctype it has a key for.

    MIT select_client_key: the client's order wins (RFC 4120 section 3.1.3).
    """
    have = set(key_etypes).intersection(usable)
    return next((e for e in requested if e in have), None)


def select_session_etype(requested: Sequence[int], server_etypes: Iterable[int], usable: Sequence[int]) -> int | None:
    """The session-key enctype: the client's first requested enctype the server supports.

    As MIT's dbentry_supports_enctype, a server supports an enctype it has a long-term key
    for, and every server is assumed to support aes256-cts-hmac-sha1-96 (all Kerberos 5
    implementations of the last 15 years do).
    """
    supported = set(server_etypes) | {EncType.AES256_CTS_HMAC_SHA1_96}
    allowed = supported.intersection(usable)
    return next((e for e in requested if e in allowed), None)


def select_ticket_key(keys: Sequence[StoredKey], usable: Sequence[int]) -> StoredKey | None:
    """The key a ticket is encrypted in: the server's strongest usable key (ranked by ``usable``)."""
    rank = {e: i for i, e in enumerate(usable)}
    candidates = [k for k in keys if k.enctype in rank]
    return min(candidates, key=lambda k: rank[k.enctype], default=None)


# The same choices for a principal record, made once per record and configuration
# (PrincipalEntry.derived): every request for that principal asks them again.

def reply_etype_for(requested: Sequence[int], client: PrincipalEntry, usable: tuple[int, ...]) -> int | None:
    """``select_reply_etype`` over the client's current keys."""
    have = client.derived(("reply_etypes", usable), lambda e: frozenset(
        k.enctype for k in e.keys_for_kvno()).intersection(usable))
    for etype in requested:
        if etype in have:
            return etype
    return None


def session_etype_for(requested: Sequence[int], server: PrincipalEntry, usable: tuple[int, ...]) -> int | None:
    """``select_session_etype`` over all of the server's keys."""
    allowed = server.derived(("session_etypes", usable), lambda e: frozenset(
        {k.enctype for k in e.keys} | {EncType.AES256_CTS_HMAC_SHA1_96}).intersection(usable))
    for etype in requested:
        if etype in allowed:
            return etype
    return None


def ticket_key_for(server: PrincipalEntry, usable: tuple[int, ...]) -> StoredKey | None:
    """``select_ticket_key`` over the server's current keys."""
    return server.derived(("ticket_key", usable), lambda e: select_ticket_key(e.keys_for_kvno(), usable))


def is_keyed_checksum(cksumtype: int) -> bool:
    """True for a keyed (collision-proof) checksum type; False for CRC32/MD5/SHA1 (RFC 4120 section 3.3.2).

    Raises UnsupportedEncType for a type we do not know (KDC_ERR_SUMTYPE_NOSUPP).
    """
    return get_checksum_type(cksumtype).keyed


def check_client_key(key: EncryptionKey, usable: Sequence[int], what: str) -> None:
    """A key the client chose (a TGS authenticator subkey, RFC 4120 5.5.1) must be usable and well formed.

    MIT's rd_req refuses a subkey enctype outside permitted_enctypes (KRB5_NOPERM_ETYPE,
    which reaches the wire as KRB_ERR_GENERIC); we answer KDC_ERR_ETYPE_NOSUPP, the RFC
    4120 code for exactly this, so that a weak or unknown enctype is refused by name. A key
    whose length is wrong for its enctype cannot be used at all: KRB_ERR_GENERIC, as MIT's
    KRB5_BAD_KEYSIZE becomes.
    """
    if key.keytype not in usable:
        raise EtypeNoSupp("BAD_ENCRYPTION_TYPE", detail=f"{what} enctype {key.keytype} is not usable here")
    size = get_enctype(key.keytype).key_size
    if len(key.keyvalue) != size:
        raise Generic("BAD KEY SIZE", detail=f"{what} of enctype {key.keytype} has {len(key.keyvalue)} bytes, not {size}")
