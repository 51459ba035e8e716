"""Loopback UDP/TCP servers that answer (or not) with canned bytes, for transport tests."""

from __future__ import annotations

import socket
import struct
import threading


class FakeKDCServer:
    """A UDP and a TCP socket on the same free port; ``udp_reply``/``tcp_reply`` map request -> bytes or None."""

    def __init__(self, udp_reply=None, tcp_reply=None, tcp_raw=None) -> None:
        self.udp, self.tcp = _bind_pair()
        self.port = self.udp.getsockname()[1]
        self.udp_reply, self.tcp_reply, self.tcp_raw = udp_reply, tcp_reply, tcp_raw
        self.udp_seen: list[bytes] = []
        self.tcp_seen: list[bytes] = []
        self.udp.settimeout(0.05)
        self.tcp.settimeout(0.05)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self._threads:
            t.start()

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            self.udp_seen.append(data)
            reply = self.udp_reply(data) if self.udp_reply else None
            if reply is not None:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    length = struct.unpack(">I", _read(conn, 4))[0]
                    data = _read(conn, length)
                except OSError:
                    continue
                self.tcp_seen.append(data)
                if self.tcp_raw is not None:
                    conn.sendall(self.tcp_raw(data))
                elif self.tcp_reply is not None:
                    reply = self.tcp_reply(data)
                    conn.sendall(struct.pack(">I", len(reply)) + reply)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()


def _read(conn, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise OSError("closed")
        buf += chunk
    return buf


def _bind_pair():
    """A UDP and a TCP socket on one free port (retrying when the TCP side is taken)."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(8)
        return udp, tcp
    raise OSError("no free port pair")
