"""Sans-I/O Kerberos client exchanges (RFC 4120 sections 3.1-3.3).

Each exchange builds request bytes and verifies reply bytes; the caller moves the bytes
(``kdc.client`` does, over UDP/TCP) and passes ``now`` and ``rng`` in.
"""

from protocol.client.ap import Accepted, APReqBuilder, ServiceKey, accept_ap_req
from protocol.client.as_exchange import DEFAULT_ETYPES, ASExchange, ASOptions
from protocol.client.creds import Creds
from protocol.client.errors import (
    ClientError,
    KerberosError,
    MalformedReply,
    NoUsableKey,
    ReplyMismatch,
    UnexpectedReply,
)
from protocol.client.keys import KeySource, KeytabKeys, PasswordKey
from protocol.client.replay import ReplayCache
from protocol.client.tgs_exchange import TGSExchange, TGSOptions

__all__ = [
    "Accepted", "APReqBuilder", "ServiceKey", "accept_ap_req", "DEFAULT_ETYPES", "ASExchange", "ASOptions",
    "Creds", "ClientError", "KerberosError", "MalformedReply", "NoUsableKey", "ReplyMismatch",
    "UnexpectedReply", "KeySource", "KeytabKeys", "PasswordKey", "ReplayCache", "TGSExchange", "TGSOptions",
]
