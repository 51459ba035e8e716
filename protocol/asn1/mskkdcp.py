"""[MS-KKDCP] Kerberos Key Distribution Center Proxy Protocol, section 2.2.2."""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from protocol.asn1._util import field, optional
from protocol.asn1.rfc4120 import Realm


class KDCProxyMessage(univ.Sequence):
    """KDC-PROXY-MESSAGE ::= SEQUENCE { kerb-message [0] OCTET STRING,
    target-domain [1] KERB-REALM OPTIONAL, dclocator-hint [2] INTEGER OPTIONAL }
    KERB-REALM ::= GeneralString

    ``kerb-message`` carries the Kerberos message with its 4-octet TCP length prefix.
    """

    componentType = namedtype.NamedTypes(
        field("kerb-message", 0, univ.OctetString()),
        optional("target-domain", 1, Realm()),
        optional("dclocator-hint", 2, univ.Integer()),
    )
