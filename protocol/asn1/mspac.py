"""[MS-KILE] section 2.2.3: the PA-PAC-REQUEST pre-authentication data (padata-type 128)."""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from protocol.asn1._util import field


class KerbPaPacRequest(univ.Sequence):
    """KERB-PA-PAC-REQUEST ::= SEQUENCE { include-pac [0] BOOLEAN
    -- If TRUE, and no pac present, include PAC. If FALSE, and PAC present, remove PAC. }"""

    componentType = namedtype.NamedTypes(field("include-pac", 0, univ.Boolean()))
