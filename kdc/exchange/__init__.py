"""The pure AS and TGS exchanges (RFC 4120 sections 3.1 and 3.3).

``kdc.exchange.dispatch.handle_request`` is the one entry point: request bytes in, reply
bytes (or None) and an audit record out. Everything below it gathers what a request needs
from the store and the master key, then decides with pure functions of the snapshot,
``now`` and ``rng`` (DESIGN.md "Gather, then decide").
"""
