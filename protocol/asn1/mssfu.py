"""[MS-SFU] Service for User and Constrained Delegation, sections 2.2.1 and 2.2.2."""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from protocol.asn1._util import field, optional
from protocol.asn1.rfc4120 import Checksum, KerberosFlags, KerberosString, PrincipalName, Realm, UInt32


class PAForUser(univ.Sequence):
    """PA-FOR-USER ::= SEQUENCE { -- PA TYPE 129
    userName [0] PrincipalName, userRealm [1] Realm, cksum [2] Checksum,
    auth-package [3] KerberosString }"""

    componentType = namedtype.NamedTypes(
        field("userName", 0, PrincipalName()),
        field("userRealm", 1, Realm()),
        field("cksum", 2, Checksum()),
        field("auth-package", 3, KerberosString()),
    )


class S4UUserID(univ.Sequence):
    """S4UUserID ::= SEQUENCE { nonce [0] UInt32 -- the nonce in KDC-REQ-BODY --,
    cname [1] PrincipalName OPTIONAL, crealm [2] Realm,
    subject-certificate [3] OCTET STRING OPTIONAL, options [4] BIT STRING OPTIONAL, ... }

    ``options`` is sent as 32 bits, as MIT and Windows do, and held as a 32-bit int.
    """

    componentType = namedtype.NamedTypes(
        field("nonce", 0, UInt32()),
        optional("cname", 1, PrincipalName()),
        field("crealm", 2, Realm()),
        optional("subject-certificate", 3, univ.OctetString()),
        optional("options", 4, KerberosFlags()),
    )


class PAS4UX509User(univ.Sequence):
    """PA-S4U-X509-USER ::= SEQUENCE { user-id [0] S4UUserID, checksum [1] Checksum }"""

    componentType = namedtype.NamedTypes(
        field("user-id", 0, S4UUserID()),
        field("checksum", 1, Checksum()),
    )
