"""Hypothesis strategies for every dataclass of ``protocol.messages.types``.

Values stay inside what the wire format can carry (RFC 4120 section 5: Int32, UInt32,
Microseconds, KerberosTime 1970..9999, 32-bit flags, UTF-8 strings), so every generated
message encodes. Other test modules import these; ``MESSAGES`` maps each dataclass to its
strategy and ``any_message()`` draws from all of them.

Strings are drawn from full Unicode minus surrogates (not encodable as UTF-8); octet strings
are kept short so that nested messages stay small and examples fast.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocol.constants import MessageType
from protocol.messages import types as t

INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
UINT32 = st.integers(min_value=0, max_value=2**32 - 1)
USEC = st.integers(min_value=0, max_value=999_999)
FLAGS = st.integers(min_value=0, max_value=2**32 - 1)
MAX_KERBEROS_TIME = 253402300799  # 9999-12-31 23:59:59 UTC
# Mostly realistic times (around now) with the full range mixed in for the edges.
KERBEROS_TIME = st.one_of(
    st.integers(min_value=1_600_000_000, max_value=2_000_000_000),
    st.integers(min_value=0, max_value=MAX_KERBEROS_TIME),
    st.sampled_from([0, 86399, 951782400, 2**31 - 1, 2**31, MAX_KERBEROS_TIME]),
)
# Length boundaries of two's complement (127/128, -128/-129, ...) are where encoders slip.
INT_EDGES = sorted({s * 2**k + d for k in (7, 8, 15, 16, 23, 24, 31) for s in (1, -1) for d in (-1, 0, 1)})
SMALL_INT32 = st.one_of(
    st.integers(min_value=-200, max_value=300),
    INT32,
    st.sampled_from([v for v in INT_EDGES if -(2**31) <= v < 2**31]),
)
UINT32 = st.one_of(UINT32, st.sampled_from([v for v in INT_EDGES + [2**32 - 1] if 0 <= v < 2**32]))
KSTRING = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
REALM = st.one_of(st.sampled_from(["EXAMPLE.TEST", "ATHENA.MIT.EDU", ""]), KSTRING)
OCTETS = st.binary(max_size=40)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _seq(strategy: st.SearchStrategy[Any], min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[tuple]:
    return st.lists(strategy, min_size=min_size, max_size=max_size).map(tuple)


principal_names = st.builds(t.PrincipalName, name_type=SMALL_INT32, name_string=_seq(KSTRING, max_size=3))
encryption_keys = st.builds(t.EncryptionKey, keytype=SMALL_INT32, keyvalue=st.binary(min_size=0, max_size=32))
encrypted_data = st.builds(t.EncryptedData, etype=SMALL_INT32, cipher=st.binary(max_size=120), kvno=_opt(UINT32))
checksums = st.builds(t.Checksum, cksumtype=SMALL_INT32, checksum=OCTETS)
host_addresses = st.builds(t.HostAddress, addr_type=SMALL_INT32, address=OCTETS)
ad_entries = st.builds(t.AuthorizationDataEntry, ad_type=SMALL_INT32, ad_data=OCTETS)
authorization_data = _seq(ad_entries)
padata = st.builds(t.PAData, padata_type=SMALL_INT32, padata_value=OCTETS)
last_req_entries = st.builds(t.LastReqEntry, lr_type=SMALL_INT32, lr_value=KERBEROS_TIME)
transited = st.builds(t.TransitedEncoding, tr_type=SMALL_INT32, contents=OCTETS)
pa_enc_ts_enc = st.builds(t.PAEncTSEnc, patimestamp=KERBEROS_TIME, pausec=_opt(USEC))
etype_info2_entries = st.builds(t.ETypeInfo2Entry, etype=SMALL_INT32, salt=_opt(KSTRING), s2kparams=_opt(OCTETS))
etype_info_entries = st.builds(t.ETypeInfoEntry, etype=SMALL_INT32, salt=_opt(OCTETS))
typed_data_entries = st.builds(t.TypedDataEntry, data_type=SMALL_INT32, data_value=_opt(OCTETS))

tickets = st.builds(t.Ticket, realm=REALM, sname=principal_names, enc_part=encrypted_data)

enc_ticket_parts = st.builds(
    t.EncTicketPart,
    flags=FLAGS,
    key=encryption_keys,
    crealm=REALM,
    cname=principal_names,
    transited=transited,
    authtime=KERBEROS_TIME,
    endtime=KERBEROS_TIME,
    starttime=_opt(KERBEROS_TIME),
    renew_till=_opt(KERBEROS_TIME),
    caddr=_opt(_seq(host_addresses)),
    authorization_data=_opt(authorization_data),
)

kdc_req_bodies = st.builds(
    t.KDCReqBody,
    kdc_options=FLAGS,
    realm=REALM,
    nonce=UINT32,
    etype=_seq(SMALL_INT32, max_size=8),
    till=KERBEROS_TIME,
    cname=_opt(principal_names),
    sname=_opt(principal_names),
    from_=_opt(KERBEROS_TIME),
    rtime=_opt(KERBEROS_TIME),
    addresses=_opt(_seq(host_addresses)),
    enc_authorization_data=_opt(encrypted_data),
    additional_tickets=_opt(_seq(tickets, max_size=2)),
)

kdc_reqs = st.builds(
    t.KDCReq,
    msg_type=st.sampled_from([MessageType.KRB_AS_REQ, MessageType.KRB_TGS_REQ]),
    req_body=kdc_req_bodies,
    padata=_opt(_seq(padata)),
)

kdc_reps = st.builds(
    t.KDCRep,
    msg_type=st.sampled_from([MessageType.KRB_AS_REP, MessageType.KRB_TGS_REP]),
    crealm=REALM,
    cname=principal_names,
    ticket=tickets,
    enc_part=encrypted_data,
    padata=_opt(_seq(padata)),
)

enc_kdc_rep_parts = st.builds(
    t.EncKDCRepPart,
    key=encryption_keys,
    last_req=_seq(last_req_entries),
    nonce=UINT32,
    flags=FLAGS,
    authtime=KERBEROS_TIME,
    endtime=KERBEROS_TIME,
    srealm=REALM,
    sname=principal_names,
    tag=st.sampled_from([25, 26]),
    key_expiration=_opt(KERBEROS_TIME),
    starttime=_opt(KERBEROS_TIME),
    renew_till=_opt(KERBEROS_TIME),
    caddr=_opt(_seq(host_addresses)),
    encrypted_pa_data=_opt(_seq(padata)),
)

authenticators = st.builds(
    t.Authenticator,
    crealm=REALM,
    cname=principal_names,
    cusec=USEC,
    ctime=KERBEROS_TIME,
    cksum=_opt(checksums),
    subkey=_opt(encryption_keys),
    seq_number=_opt(UINT32),
    authorization_data=_opt(authorization_data),
)

ap_reqs = st.builds(t.APReq, ap_options=FLAGS, ticket=tickets, authenticator=encrypted_data)
ap_reps = st.builds(t.APRep, enc_part=encrypted_data)
enc_ap_rep_parts = st.builds(
    t.EncAPRepPart, ctime=KERBEROS_TIME, cusec=USEC, subkey=_opt(encryption_keys), seq_number=_opt(UINT32)
)

krb_errors = st.builds(
    t.KRBError,
    stime=KERBEROS_TIME,
    susec=USEC,
    error_code=SMALL_INT32,
    realm=REALM,
    sname=principal_names,
    ctime=_opt(KERBEROS_TIME),
    cusec=_opt(USEC),
    crealm=_opt(REALM),
    cname=_opt(principal_names),
    e_text=_opt(KSTRING),
    e_data=_opt(OCTETS),
)

MESSAGES: dict[type, st.SearchStrategy[Any]] = {
    t.PrincipalName: principal_names,
    t.EncryptionKey: encryption_keys,
    t.EncryptedData: encrypted_data,
    t.Checksum: checksums,
    t.HostAddress: host_addresses,
    t.AuthorizationDataEntry: ad_entries,
    t.PAData: padata,
    t.LastReqEntry: last_req_entries,
    t.TransitedEncoding: transited,
    t.Ticket: tickets,
    t.EncTicketPart: enc_ticket_parts,
    t.KDCReqBody: kdc_req_bodies,
    t.KDCReq: kdc_reqs,
    t.KDCRep: kdc_reps,
    t.EncKDCRepPart: enc_kdc_rep_parts,
    t.Authenticator: authenticators,
    t.APReq: ap_reqs,
    t.APRep: ap_reps,
    t.EncAPRepPart: enc_ap_rep_parts,
    t.KRBError: krb_errors,
    t.PAEncTSEnc: pa_enc_ts_enc,
    t.ETypeInfo2Entry: etype_info2_entries,
    t.ETypeInfoEntry: etype_info_entries,
    t.TypedDataEntry: typed_data_entries,
}
"""Strategy per dataclass; covers every class of ``protocol.messages.types``."""

SEQUENCES: dict[str, st.SearchStrategy[tuple]] = {
    "method_data": _seq(padata),
    "etype_info2": _seq(etype_info2_entries, min_size=1),
    "etype_info": _seq(etype_info_entries),
    "typed_data": _seq(typed_data_entries, min_size=1),
    "authorization_data": authorization_data,
}
"""Strategies for the SEQUENCE OF helpers of ``protocol.messages.codec`` (``encode_<name>``)."""


def any_message() -> st.SearchStrategy[Any]:
    """Any dataclass value of ``protocol.messages.types``."""
    return st.one_of(*MESSAGES.values())
