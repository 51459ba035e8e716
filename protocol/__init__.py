"""Kerberos 5 wire format and RFC 3961 crypto, without I/O.

Bytes go in, frozen typed messages come out, and back. Nothing in this package opens a
socket or a file, reads the clock or the RNG: callers pass ``now`` and ``rng`` in.
"""
