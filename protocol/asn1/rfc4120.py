"""RFC 4120 section 5 (and appendix A): the Kerberos 5 ASN.1 module as pyasn1 specs.

Class names are the ASN.1 type names without hyphens (``KDC-REQ-BODY`` -> ``KDCReqBody``),
component names are verbatim (``"renew-till"``), and each class docstring quotes its
production. The module is ``DEFINITIONS EXPLICIT TAGS``: ``[n]`` context tags and
``[APPLICATION n]`` tags both wrap the inner encoding.

pyasn1 objects never leave ``protocol``: ``protocol.messages.reference`` turns them into the
frozen dataclasses of ``protocol.messages.types``.
"""

from __future__ import annotations

from pyasn1.type import char, constraint, namedtype, univ, useful

from protocol.asn1._util import app, field, fixed_integer, optional, seq_of

_MAX = 1 << 31


class Int32(univ.Integer):
    """Int32 ::= INTEGER (-2147483648..2147483647)"""

    subtypeSpec = univ.Integer.subtypeSpec + constraint.ValueRangeConstraint(-(1 << 31), (1 << 31) - 1)


class UInt32(univ.Integer):
    """UInt32 ::= INTEGER (0..4294967295)"""

    subtypeSpec = univ.Integer.subtypeSpec + constraint.ValueRangeConstraint(0, (1 << 32) - 1)


class Microseconds(univ.Integer):
    """Microseconds ::= INTEGER (0..999999)"""

    subtypeSpec = univ.Integer.subtypeSpec + constraint.ValueRangeConstraint(0, 999999)


class KerberosString(char.GeneralString):
    """KerberosString ::= GeneralString (IA5String)

    Held as ISO-8859-1 inside pyasn1 so that every octet survives unchanged; the codec
    decodes the octets as UTF-8 (RFC 4120 section 5.2.1 notes that implementations send
    UTF-8 in practice).
    """

    encoding = "iso-8859-1"


class Realm(KerberosString):
    """Realm ::= KerberosString"""


class KerberosTime(useful.GeneralizedTime):
    """KerberosTime ::= GeneralizedTime -- with no fractional seconds"""


class KerberosFlags(univ.BitString):
    """KerberosFlags ::= BIT STRING (SIZE (32..MAX)) -- minimum number of bits shall be sent, but no fewer than 32"""

    subtypeSpec = univ.BitString.subtypeSpec + constraint.ValueSizeConstraint(32, _MAX)


class TicketFlags(KerberosFlags):
    """TicketFlags ::= KerberosFlags"""


class KDCOptions(KerberosFlags):
    """KDCOptions ::= KerberosFlags"""


class APOptions(KerberosFlags):
    """APOptions ::= KerberosFlags"""


class PrincipalName(univ.Sequence):
    """PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString }"""

    componentType = namedtype.NamedTypes(
        field("name-type", 0, Int32()),
        field("name-string", 1, seq_of(KerberosString())),
    )


class HostAddress(univ.Sequence):
    """HostAddress ::= SEQUENCE { addr-type [0] Int32, address [1] OCTET STRING }"""

    componentType = namedtype.NamedTypes(
        field("addr-type", 0, Int32()),
        field("address", 1, univ.OctetString()),
    )


class HostAddresses(univ.SequenceOf):
    """HostAddresses ::= SEQUENCE OF HostAddress -- NOTE: subtly different from rfc1510"""

    componentType = HostAddress()


class AuthorizationDataEntry(univ.Sequence):
    """AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type [0] Int32, ad-data [1] OCTET STRING } -- one element"""

    componentType = namedtype.NamedTypes(
        field("ad-type", 0, Int32()),
        field("ad-data", 1, univ.OctetString()),
    )


class AuthorizationData(univ.SequenceOf):
    """AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type [0] Int32, ad-data [1] OCTET STRING }"""

    componentType = AuthorizationDataEntry()


class ADIfRelevant(AuthorizationData):
    """AD-IF-RELEVANT ::= AuthorizationData"""


class ADMandatoryForKDC(AuthorizationData):
    """AD-MANDATORY-FOR-KDC ::= AuthorizationData"""


class PAData(univ.Sequence):
    """PA-DATA ::= SEQUENCE { -- NOTE: first tag is [1], not [0]
    padata-type [1] Int32, padata-value [2] OCTET STRING -- might be encoded AP-REQ }"""

    componentType = namedtype.NamedTypes(
        field("padata-type", 1, Int32()),
        field("padata-value", 2, univ.OctetString()),
    )


class MethodData(univ.SequenceOf):
    """METHOD-DATA ::= SEQUENCE OF PA-DATA"""

    componentType = PAData()


class TypedDataEntry(univ.Sequence):
    """TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { data-type [0] Int32, data-value [1] OCTET STRING OPTIONAL } -- one element"""

    componentType = namedtype.NamedTypes(
        field("data-type", 0, Int32()),
        optional("data-value", 1, univ.OctetString()),
    )


class TypedData(univ.SequenceOf):
    """TYPED-DATA ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { data-type [0] Int32, data-value [1] OCTET STRING OPTIONAL }"""

    componentType = TypedDataEntry()
    subtypeSpec = univ.SequenceOf.subtypeSpec + constraint.ValueSizeConstraint(1, _MAX)


class EncryptedData(univ.Sequence):
    """EncryptedData ::= SEQUENCE { etype [0] Int32 -- EncryptionType --,
    kvno [1] UInt32 OPTIONAL, cipher [2] OCTET STRING -- ciphertext }"""

    componentType = namedtype.NamedTypes(
        field("etype", 0, Int32()),
        optional("kvno", 1, UInt32()),
        field("cipher", 2, univ.OctetString()),
    )


class EncryptionKey(univ.Sequence):
    """EncryptionKey ::= SEQUENCE { keytype [0] Int32 -- actually encryption type --, keyvalue [1] OCTET STRING }"""

    componentType = namedtype.NamedTypes(
        field("keytype", 0, Int32()),
        field("keyvalue", 1, univ.OctetString()),
    )


class Checksum(univ.Sequence):
    """Checksum ::= SEQUENCE { cksumtype [0] Int32, checksum [1] OCTET STRING }"""

    componentType = namedtype.NamedTypes(
        field("cksumtype", 0, Int32()),
        field("checksum", 1, univ.OctetString()),
    )


class TransitedEncoding(univ.Sequence):
    """TransitedEncoding ::= SEQUENCE { tr-type [0] Int32 -- must be registered --, contents [1] OCTET STRING }"""

    componentType = namedtype.NamedTypes(
        field("tr-type", 0, Int32()),
        field("contents", 1, univ.OctetString()),
    )


class LastReqEntry(univ.Sequence):
    """LastReq ::= SEQUENCE OF SEQUENCE { lr-type [0] Int32, lr-value [1] KerberosTime } -- one element"""

    componentType = namedtype.NamedTypes(
        field("lr-type", 0, Int32()),
        field("lr-value", 1, KerberosTime()),
    )


class LastReq(univ.SequenceOf):
    """LastReq ::= SEQUENCE OF SEQUENCE { lr-type [0] Int32, lr-value [1] KerberosTime }"""

    componentType = LastReqEntry()


class Ticket(univ.Sequence):
    """Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0] INTEGER (5), realm [1] Realm,
    sname [2] PrincipalName, enc-part [3] EncryptedData -- EncTicketPart }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(1))
    componentType = namedtype.NamedTypes(
        field("tkt-vno", 0, fixed_integer(5)),
        field("realm", 1, Realm()),
        field("sname", 2, PrincipalName()),
        field("enc-part", 3, EncryptedData()),
    )


class EncTicketPart(univ.Sequence):
    """EncTicketPart ::= [APPLICATION 3] SEQUENCE { flags [0] TicketFlags, key [1] EncryptionKey,
    crealm [2] Realm, cname [3] PrincipalName, transited [4] TransitedEncoding,
    authtime [5] KerberosTime, starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
    renew-till [8] KerberosTime OPTIONAL, caddr [9] HostAddresses OPTIONAL,
    authorization-data [10] AuthorizationData OPTIONAL }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(3))
    componentType = namedtype.NamedTypes(
        field("flags", 0, TicketFlags()),
        field("key", 1, EncryptionKey()),
        field("crealm", 2, Realm()),
        field("cname", 3, PrincipalName()),
        field("transited", 4, TransitedEncoding()),
        field("authtime", 5, KerberosTime()),
        optional("starttime", 6, KerberosTime()),
        field("endtime", 7, KerberosTime()),
        optional("renew-till", 8, KerberosTime()),
        optional("caddr", 9, HostAddresses()),
        optional("authorization-data", 10, AuthorizationData()),
    )


class KDCReqBody(univ.Sequence):
    """KDC-REQ-BODY ::= SEQUENCE { kdc-options [0] KDCOptions,
    cname [1] PrincipalName OPTIONAL -- Used only in AS-REQ --, realm [2] Realm,
    sname [3] PrincipalName OPTIONAL, from [4] KerberosTime OPTIONAL, till [5] KerberosTime,
    rtime [6] KerberosTime OPTIONAL, nonce [7] UInt32,
    etype [8] SEQUENCE OF Int32 -- EncryptionType -- in preference order --,
    addresses [9] HostAddresses OPTIONAL,
    enc-authorization-data [10] EncryptedData OPTIONAL -- AuthorizationData --,
    additional-tickets [11] SEQUENCE OF Ticket OPTIONAL -- NOTE: not empty }

    ``till`` is mandatory in the ASN.1; the dataclass types it ``int | None`` only so that a
    caller cannot forget it silently, and the codec refuses to encode ``None``.
    """

    componentType = namedtype.NamedTypes(
        field("kdc-options", 0, KDCOptions()),
        optional("cname", 1, PrincipalName()),
        field("realm", 2, Realm()),
        optional("sname", 3, PrincipalName()),
        optional("from", 4, KerberosTime()),
        field("till", 5, KerberosTime()),
        optional("rtime", 6, KerberosTime()),
        field("nonce", 7, UInt32()),
        field("etype", 8, seq_of(Int32())),
        optional("addresses", 9, HostAddresses()),
        optional("enc-authorization-data", 10, EncryptedData()),
        optional("additional-tickets", 11, seq_of(Ticket())),
    )


class KDCReq(univ.Sequence):
    """KDC-REQ ::= SEQUENCE { -- NOTE: first tag is [1], not [0]
    pvno [1] INTEGER (5), msg-type [2] INTEGER (10 -- AS -- | 12 -- TGS --),
    padata [3] SEQUENCE OF PA-DATA OPTIONAL -- NOTE: not empty --, req-body [4] KDC-REQ-BODY }"""

    componentType = namedtype.NamedTypes(
        field("pvno", 1, fixed_integer(5)),
        field("msg-type", 2, fixed_integer(10, 12)),
        optional("padata", 3, seq_of(PAData())),
        field("req-body", 4, KDCReqBody()),
    )


class ASReq(KDCReq):
    """AS-REQ ::= [APPLICATION 10] KDC-REQ"""

    tagSet = KDCReq.tagSet.tagExplicitly(app(10))


class TGSReq(KDCReq):
    """TGS-REQ ::= [APPLICATION 12] KDC-REQ"""

    tagSet = KDCReq.tagSet.tagExplicitly(app(12))


class KDCRep(univ.Sequence):
    """KDC-REP ::= SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (11 -- AS -- | 13 -- TGS --),
    padata [2] SEQUENCE OF PA-DATA OPTIONAL -- NOTE: not empty --, crealm [3] Realm,
    cname [4] PrincipalName, ticket [5] Ticket,
    enc-part [6] EncryptedData -- EncASRepPart or EncTGSRepPart, as appropriate }"""

    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(11, 13)),
        optional("padata", 2, seq_of(PAData())),
        field("crealm", 3, Realm()),
        field("cname", 4, PrincipalName()),
        field("ticket", 5, Ticket()),
        field("enc-part", 6, EncryptedData()),
    )


class ASRep(KDCRep):
    """AS-REP ::= [APPLICATION 11] KDC-REP"""

    tagSet = KDCRep.tagSet.tagExplicitly(app(11))


class TGSRep(KDCRep):
    """TGS-REP ::= [APPLICATION 13] KDC-REP"""

    tagSet = KDCRep.tagSet.tagExplicitly(app(13))


class EncKDCRepPart(univ.Sequence):
    """EncKDCRepPart ::= SEQUENCE { key [0] EncryptionKey, last-req [1] LastReq, nonce [2] UInt32,
    key-expiration [3] KerberosTime OPTIONAL, flags [4] TicketFlags, authtime [5] KerberosTime,
    starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
    renew-till [8] KerberosTime OPTIONAL, srealm [9] Realm, sname [10] PrincipalName,
    caddr [11] HostAddresses OPTIONAL,
    encrypted-pa-data [12] SEQUENCE OF PA-DATA OPTIONAL -- RFC 6806 section 11 }"""

    componentType = namedtype.NamedTypes(
        field("key", 0, EncryptionKey()),
        field("last-req", 1, LastReq()),
        field("nonce", 2, UInt32()),
        optional("key-expiration", 3, KerberosTime()),
        field("flags", 4, TicketFlags()),
        field("authtime", 5, KerberosTime()),
        optional("starttime", 6, KerberosTime()),
        field("endtime", 7, KerberosTime()),
        optional("renew-till", 8, KerberosTime()),
        field("srealm", 9, Realm()),
        field("sname", 10, PrincipalName()),
        optional("caddr", 11, HostAddresses()),
        optional("encrypted-pa-data", 12, seq_of(PAData())),
    )


class EncASRepPart(EncKDCRepPart):
    """EncASRepPart ::= [APPLICATION 25] EncKDCRepPart"""

    tagSet = EncKDCRepPart.tagSet.tagExplicitly(app(25))


class EncTGSRepPart(EncKDCRepPart):
    """EncTGSRepPart ::= [APPLICATION 26] EncKDCRepPart"""

    tagSet = EncKDCRepPart.tagSet.tagExplicitly(app(26))


class Authenticator(univ.Sequence):
    """Authenticator ::= [APPLICATION 2] SEQUENCE { authenticator-vno [0] INTEGER (5),
    crealm [1] Realm, cname [2] PrincipalName, cksum [3] Checksum OPTIONAL,
    cusec [4] Microseconds, ctime [5] KerberosTime, subkey [6] EncryptionKey OPTIONAL,
    seq-number [7] UInt32 OPTIONAL, authorization-data [8] AuthorizationData OPTIONAL }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(2))
    componentType = namedtype.NamedTypes(
        field("authenticator-vno", 0, fixed_integer(5)),
        field("crealm", 1, Realm()),
        field("cname", 2, PrincipalName()),
        optional("cksum", 3, Checksum()),
        field("cusec", 4, Microseconds()),
        field("ctime", 5, KerberosTime()),
        optional("subkey", 6, EncryptionKey()),
        optional("seq-number", 7, UInt32()),
        optional("authorization-data", 8, AuthorizationData()),
    )


class APReq(univ.Sequence):
    """AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (14),
    ap-options [2] APOptions, ticket [3] Ticket, authenticator [4] EncryptedData -- Authenticator }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(14))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(14)),
        field("ap-options", 2, APOptions()),
        field("ticket", 3, Ticket()),
        field("authenticator", 4, EncryptedData()),
    )


class APRep(univ.Sequence):
    """AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (15),
    enc-part [2] EncryptedData -- EncAPRepPart }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(15))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(15)),
        field("enc-part", 2, EncryptedData()),
    )


class EncAPRepPart(univ.Sequence):
    """EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0] KerberosTime, cusec [1] Microseconds,
    subkey [2] EncryptionKey OPTIONAL, seq-number [3] UInt32 OPTIONAL }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(27))
    componentType = namedtype.NamedTypes(
        field("ctime", 0, KerberosTime()),
        field("cusec", 1, Microseconds()),
        optional("subkey", 2, EncryptionKey()),
        optional("seq-number", 3, UInt32()),
    )


class KRBSafeBody(univ.Sequence):
    """KRB-SAFE-BODY ::= SEQUENCE { user-data [0] OCTET STRING, timestamp [1] KerberosTime OPTIONAL,
    usec [2] Microseconds OPTIONAL, seq-number [3] UInt32 OPTIONAL, s-address [4] HostAddress,
    r-address [5] HostAddress OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("user-data", 0, univ.OctetString()),
        optional("timestamp", 1, KerberosTime()),
        optional("usec", 2, Microseconds()),
        optional("seq-number", 3, UInt32()),
        field("s-address", 4, HostAddress()),
        optional("r-address", 5, HostAddress()),
    )


class KRBSafe(univ.Sequence):
    """KRB-SAFE ::= [APPLICATION 20] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (20),
    safe-body [2] KRB-SAFE-BODY, cksum [3] Checksum }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(20))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(20)),
        field("safe-body", 2, KRBSafeBody()),
        field("cksum", 3, Checksum()),
    )


class KRBPriv(univ.Sequence):
    """KRB-PRIV ::= [APPLICATION 21] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (21),
    -- NOTE: there is no [2] tag
    enc-part [3] EncryptedData -- EncKrbPrivPart }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(21))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(21)),
        field("enc-part", 3, EncryptedData()),
    )


class EncKrbPrivPart(univ.Sequence):
    """EncKrbPrivPart ::= [APPLICATION 28] SEQUENCE { user-data [0] OCTET STRING,
    timestamp [1] KerberosTime OPTIONAL, usec [2] Microseconds OPTIONAL,
    seq-number [3] UInt32 OPTIONAL, s-address [4] HostAddress -- sender's addr --,
    r-address [5] HostAddress OPTIONAL -- recip's addr }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(28))
    componentType = KRBSafeBody.componentType


class KrbCredInfo(univ.Sequence):
    """KrbCredInfo ::= SEQUENCE { key [0] EncryptionKey, prealm [1] Realm OPTIONAL,
    pname [2] PrincipalName OPTIONAL, flags [3] TicketFlags OPTIONAL,
    authtime [4] KerberosTime OPTIONAL, starttime [5] KerberosTime OPTIONAL,
    endtime [6] KerberosTime OPTIONAL, renew-till [7] KerberosTime OPTIONAL,
    srealm [8] Realm OPTIONAL, sname [9] PrincipalName OPTIONAL, caddr [10] HostAddresses OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("key", 0, EncryptionKey()),
        optional("prealm", 1, Realm()),
        optional("pname", 2, PrincipalName()),
        optional("flags", 3, TicketFlags()),
        optional("authtime", 4, KerberosTime()),
        optional("starttime", 5, KerberosTime()),
        optional("endtime", 6, KerberosTime()),
        optional("renew-till", 7, KerberosTime()),
        optional("srealm", 8, Realm()),
        optional("sname", 9, PrincipalName()),
        optional("caddr", 10, HostAddresses()),
    )


class KRBCred(univ.Sequence):
    """KRB-CRED ::= [APPLICATION 22] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (22),
    tickets [2] SEQUENCE OF Ticket, enc-part [3] EncryptedData -- EncKrbCredPart }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(22))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(22)),
        field("tickets", 2, seq_of(Ticket())),
        field("enc-part", 3, EncryptedData()),
    )


class EncKrbCredPart(univ.Sequence):
    """EncKrbCredPart ::= [APPLICATION 29] SEQUENCE { ticket-info [0] SEQUENCE OF KrbCredInfo,
    nonce [1] UInt32 OPTIONAL, timestamp [2] KerberosTime OPTIONAL,
    usec [3] Microseconds OPTIONAL, s-address [4] HostAddress OPTIONAL,
    r-address [5] HostAddress OPTIONAL }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(29))
    componentType = namedtype.NamedTypes(
        field("ticket-info", 0, seq_of(KrbCredInfo())),
        optional("nonce", 1, UInt32()),
        optional("timestamp", 2, KerberosTime()),
        optional("usec", 3, Microseconds()),
        optional("s-address", 4, HostAddress()),
        optional("r-address", 5, HostAddress()),
    )


class KRBError(univ.Sequence):
    """KRB-ERROR ::= [APPLICATION 30] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (30),
    ctime [2] KerberosTime OPTIONAL, cusec [3] Microseconds OPTIONAL, stime [4] KerberosTime,
    susec [5] Microseconds, error-code [6] Int32, crealm [7] Realm OPTIONAL,
    cname [8] PrincipalName OPTIONAL, realm [9] Realm -- service realm --,
    sname [10] PrincipalName -- service name --, e-text [11] KerberosString OPTIONAL,
    e-data [12] OCTET STRING OPTIONAL }"""

    tagSet = univ.Sequence.tagSet.tagExplicitly(app(30))
    componentType = namedtype.NamedTypes(
        field("pvno", 0, fixed_integer(5)),
        field("msg-type", 1, fixed_integer(30)),
        optional("ctime", 2, KerberosTime()),
        optional("cusec", 3, Microseconds()),
        field("stime", 4, KerberosTime()),
        field("susec", 5, Microseconds()),
        field("error-code", 6, Int32()),
        optional("crealm", 7, Realm()),
        optional("cname", 8, PrincipalName()),
        field("realm", 9, Realm()),
        field("sname", 10, PrincipalName()),
        optional("e-text", 11, KerberosString()),
        optional("e-data", 12, univ.OctetString()),
    )


class PAEncTSEnc(univ.Sequence):
    """PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime -- client's time --,
    pausec [1] Microseconds OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("patimestamp", 0, KerberosTime()),
        optional("pausec", 1, Microseconds()),
    )


class PAEncTimestamp(EncryptedData):
    """PA-ENC-TIMESTAMP ::= EncryptedData -- PA-ENC-TS-ENC"""


class ETypeInfoEntry(univ.Sequence):
    """ETYPE-INFO-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] OCTET STRING OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("etype", 0, Int32()),
        optional("salt", 1, univ.OctetString()),
    )


class ETypeInfo(univ.SequenceOf):
    """ETYPE-INFO ::= SEQUENCE OF ETYPE-INFO-ENTRY"""

    componentType = ETypeInfoEntry()


class ETypeInfo2Entry(univ.Sequence):
    """ETYPE-INFO2-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] KerberosString OPTIONAL,
    s2kparams [2] OCTET STRING OPTIONAL }"""

    componentType = namedtype.NamedTypes(
        field("etype", 0, Int32()),
        optional("salt", 1, KerberosString()),
        optional("s2kparams", 2, univ.OctetString()),
    )


class ETypeInfo2(univ.SequenceOf):
    """ETYPE-INFO2 ::= SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY"""

    componentType = ETypeInfo2Entry()
    subtypeSpec = univ.SequenceOf.subtypeSpec + constraint.ValueSizeConstraint(1, _MAX)


class ADKDCIssued(univ.Sequence):
    """AD-KDCIssued ::= SEQUENCE { ad-checksum [0] Checksum, i-realm [1] Realm OPTIONAL,
    i-sname [2] PrincipalName OPTIONAL, elements [3] AuthorizationData }"""

    componentType = namedtype.NamedTypes(
        field("ad-checksum", 0, Checksum()),
        optional("i-realm", 1, Realm()),
        optional("i-sname", 2, PrincipalName()),
        field("elements", 3, AuthorizationData()),
    )


class ADAndOr(univ.Sequence):
    """AD-AND-OR ::= SEQUENCE { condition-count [0] Int32, elements [1] AuthorizationData }"""

    componentType = namedtype.NamedTypes(
        field("condition-count", 0, Int32()),
        field("elements", 1, AuthorizationData()),
    )
