"""kdcd's lookaside cache with the real exchange and store: a retransmission counts once.

A client that retries over UDP (or over TCP after RESPONSE_TOO_BIG) sends the very same
bytes. kdcd must answer them from its cache, as MIT's KDC does, so a wrong password that
is retransmitted is one failed attempt, not two, and the answer is byte-identical.
"""

from __future__ import annotations

import os
import socket
import struct
import time

import pytest

from protocol.client.as_exchange import ASExchange
from protocol.client.keys import PasswordKey
from protocol.constants import ErrorCode
from protocol.messages import KRBError, decode
from protocol.principal import Principal
from tests.support.kdcd import kdcd_realm  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.interop


def udp(kdcd, data: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(10)
        s.sendto(data, ("127.0.0.1", kdcd.port))
        return s.recv(70000)


def tcp(kdcd, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", kdcd.port), timeout=10) as s:
        s.sendall(struct.pack(">I", len(data)) + data)
        header = s.recv(4, socket.MSG_WAITALL)
        return s.recv(struct.unpack(">I", header)[0], socket.MSG_WAITALL)


def failed_attempts(kdcd, name: str) -> int:
    out = kdcd.realm.kdcadmin("getprinc", name).stdout
    return int(out.split("Failed password attempts:")[1].split()[0])


def wrong_password_request(kdcd, name: str) -> bytes:
    """The second AS-REQ of a kinit with a wrong password: PA-ENC-TIMESTAMP under the wrong key."""
    client = Principal.parse(f"{name}@{kdcd.realm.name}")
    exchange = ASExchange(client, PasswordKey("definitely-wrong"), now=time.time(), rng=os.urandom)
    return exchange.receive(udp(kdcd, exchange.request()), now=time.time())


def test_retransmitted_wrong_password_counts_once(kdcd_realm):
    """The same wrong-password AS-REQ sent three times (UDP, UDP, TCP): one identical
    PREAUTH_FAILED answer each time, and the failure count goes up by exactly one."""
    kdcd_realm.realm.add_user("erin", "erin-Pass-5")
    before = failed_attempts(kdcd_realm, "erin")
    request = wrong_password_request(kdcd_realm, "erin")
    answers = [udp(kdcd_realm, request), udp(kdcd_realm, request), tcp(kdcd_realm, request)]
    assert answers[0] == answers[1] == answers[2]
    assert decode(answers[0], KRBError).error_code == ErrorCode.KDC_ERR_PREAUTH_FAILED
    assert failed_attempts(kdcd_realm, "erin") == before + 1
    sources = [e["source"] for e in kdcd_realm.events("kdc.as_req")
               if e["client"] == "erin@EXAMPLE.TEST" and e["error_code"] == "KDC_ERR_PREAUTH_FAILED"]
    assert sources == ["kdc", "lookaside", "lookaside"]
