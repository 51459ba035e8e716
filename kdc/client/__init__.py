"""Kerberos client with I/O: UDP/TCP transports, krb5.conf, ccaches, and the high-level API.

The protocol logic lives in ``protocol.client`` (sans-I/O); this package moves its bytes.
"""

from kdc.client.api import AsyncClient, Client
from kdc.client.ccache import load_ccache, save_ccache
from kdc.client.krb5conf import KDCAddr, Krb5Conf, load_krb5_conf, parse_krb5_conf
from kdc.client.transport import KDCUnreachable, TransportError, TransportPolicy, send_to_kdc
from protocol.client import ClientError, Creds, KerberosError, MalformedReply, ReplyMismatch

__all__ = ["AsyncClient", "Client", "load_ccache", "save_ccache", "KDCAddr", "Krb5Conf", "load_krb5_conf",
           "parse_krb5_conf", "KDCUnreachable", "TransportError", "TransportPolicy", "send_to_kdc",
           "ClientError", "Creds", "KerberosError", "MalformedReply", "ReplyMismatch"]
