"""RFC 3244 (Microsoft Windows 2000 Kerberos change/set password) ASN.1."""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from protocol.asn1._util import field, optional
from protocol.asn1.rfc4120 import PrincipalName, Realm


class ChangePasswdData(univ.Sequence):
    """ChangePasswdData ::= SEQUENCE { newpasswd [0] OCTET STRING,
    targname [1] PrincipalName OPTIONAL, targrealm [2] Realm OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("newpasswd", 0, univ.OctetString()),
        optional("targname", 1, PrincipalName()),
        optional("targrealm", 2, Realm()),
    )
