"""Hypothesis strategies for the dataclasses of ``protocol.messages.ext_types``.

Built on the hot-type strategies of ``tests.protocol.strategies`` and the same value ranges
(Int32, UInt32, Microseconds, KerberosTime 1970..9999, 32-bit flags, UTF-8 strings).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from protocol.messages import ext_types as x
from tests.protocol import strategies as hot
from tests.protocol.strategies import FLAGS, INT32, KERBEROS_TIME, KSTRING, OCTETS, REALM, SMALL_INT32, UINT32, USEC

_opt = hot._opt
_seq = hot._seq

# KRB-SAFE-BODY and EncKrbPrivPart have the same components (RFC 4120 sections 5.6.1, 5.7.1).
_safe_or_priv_fields = dict(
    user_data=OCTETS,
    s_address=hot.host_addresses,
    timestamp=_opt(KERBEROS_TIME),
    usec=_opt(USEC),
    seq_number=_opt(UINT32),
    r_address=_opt(hot.host_addresses),
)
safe_bodies = st.builds(x.KRBSafeBody, **_safe_or_priv_fields)
krb_safes = st.builds(x.KRBSafe, safe_body=safe_bodies, cksum=hot.checksums)
krb_privs = st.builds(x.KRBPriv, enc_part=hot.encrypted_data)
enc_krb_priv_parts = st.builds(x.EncKrbPrivPart, **_safe_or_priv_fields)
krb_cred_infos = st.builds(
    x.KrbCredInfo,
    key=hot.encryption_keys,
    prealm=_opt(REALM),
    pname=_opt(hot.principal_names),
    flags=_opt(FLAGS),
    authtime=_opt(KERBEROS_TIME),
    starttime=_opt(KERBEROS_TIME),
    endtime=_opt(KERBEROS_TIME),
    renew_till=_opt(KERBEROS_TIME),
    srealm=_opt(REALM),
    sname=_opt(hot.principal_names),
    caddr=_opt(_seq(hot.host_addresses)),
)
krb_creds = st.builds(x.KRBCred, tickets=_seq(hot.tickets, max_size=2), enc_part=hot.encrypted_data)
enc_krb_cred_parts = st.builds(
    x.EncKrbCredPart,
    ticket_info=_seq(krb_cred_infos, max_size=2),
    nonce=_opt(UINT32),
    timestamp=_opt(KERBEROS_TIME),
    usec=_opt(USEC),
    s_address=_opt(hot.host_addresses),
    r_address=_opt(hot.host_addresses),
)
ad_kdc_issued = st.builds(
    x.ADKDCIssued,
    ad_checksum=hot.checksums,
    elements=hot.authorization_data,
    i_realm=_opt(REALM),
    i_sname=_opt(hot.principal_names),
)
ad_and_or = st.builds(x.ADAndOr, condition_count=INT32, elements=hot.authorization_data)
pa_for_user = st.builds(
    x.PAForUser, user_name=hot.principal_names, user_realm=REALM, cksum=hot.checksums, auth_package=KSTRING
)
s4u_user_ids = st.builds(
    x.S4UUserID,
    nonce=UINT32,
    crealm=REALM,
    cname=_opt(hot.principal_names),
    subject_certificate=_opt(OCTETS),
    options=_opt(FLAGS),
)
pa_s4u_x509_user = st.builds(x.PAS4UX509User, user_id=s4u_user_ids, checksum=hot.checksums)
pa_pac_requests = st.builds(x.PAPacRequest, include_pac=st.booleans())
kdc_proxy_messages = st.builds(
    x.KDCProxyMessage,
    kerb_message=OCTETS,
    target_domain=_opt(REALM),
    dclocator_hint=_opt(st.integers(min_value=-(2**70), max_value=2**70)),
)
change_passwd_data = st.builds(
    x.ChangePasswdData, newpasswd=OCTETS, targname=_opt(hot.principal_names), targrealm=_opt(REALM)
)
fast_armors = st.builds(x.KrbFastArmor, armor_type=SMALL_INT32, armor_value=OCTETS)
fast_armored_reqs = st.builds(
    x.KrbFastArmoredReq, req_checksum=hot.checksums, enc_fast_req=hot.encrypted_data, armor=_opt(fast_armors)
)
fast_requests = st.builds(x.PAFxFastRequest, armored_data=fast_armored_reqs)
fast_reqs = st.builds(x.KrbFastReq, fast_options=FLAGS, padata=_seq(hot.padata), req_body=hot.kdc_req_bodies)
fast_armored_reps = st.builds(x.KrbFastArmoredRep, enc_fast_rep=hot.encrypted_data)
fast_replies = st.builds(x.PAFxFastReply, armored_data=fast_armored_reps)
fast_finished = st.builds(
    x.KrbFastFinished,
    timestamp=KERBEROS_TIME,
    usec=USEC,
    crealm=REALM,
    cname=hot.principal_names,
    ticket_checksum=hot.checksums,
)
fast_responses = st.builds(
    x.KrbFastResponse,
    padata=_seq(hot.padata),
    nonce=UINT32,
    strengthen_key=_opt(hot.encryption_keys),
    finished=_opt(fast_finished),
)
pa_authentication_set_elems = st.builds(
    x.PAAuthenticationSetElem, pa_type=SMALL_INT32, pa_hint=_opt(OCTETS), pa_value=_opt(OCTETS)
)

EXT_MESSAGES: dict[type, st.SearchStrategy[Any]] = {
    x.KRBSafeBody: safe_bodies,
    x.KRBSafe: krb_safes,
    x.KRBPriv: krb_privs,
    x.EncKrbPrivPart: enc_krb_priv_parts,
    x.KRBCred: krb_creds,
    x.EncKrbCredPart: enc_krb_cred_parts,
    x.KrbCredInfo: krb_cred_infos,
    x.ADKDCIssued: ad_kdc_issued,
    x.ADAndOr: ad_and_or,
    x.PAForUser: pa_for_user,
    x.S4UUserID: s4u_user_ids,
    x.PAS4UX509User: pa_s4u_x509_user,
    x.PAPacRequest: pa_pac_requests,
    x.KDCProxyMessage: kdc_proxy_messages,
    x.ChangePasswdData: change_passwd_data,
    x.KrbFastArmor: fast_armors,
    x.KrbFastArmoredReq: fast_armored_reqs,
    x.PAFxFastRequest: fast_requests,
    x.KrbFastReq: fast_reqs,
    x.KrbFastArmoredRep: fast_armored_reps,
    x.PAFxFastReply: fast_replies,
    x.KrbFastResponse: fast_responses,
    x.KrbFastFinished: fast_finished,
    x.PAAuthenticationSetElem: pa_authentication_set_elems,
}
"""Strategy per dataclass; covers every class of ``protocol.messages.ext_types``."""
