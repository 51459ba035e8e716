"""RFC 6806 (Kerberos principal name canonicalization and referrals) ASN.1."""

from __future__ import annotations

from protocol.asn1.rfc4120 import Checksum


class PAReqEncPARep(Checksum):
    """PA-REQ-ENC-PA-REP: padata-value ::= Checksum -- over the AS-REQ, keyed with the reply
    key, key usage 56 (RFC 6806 section 11)"""
