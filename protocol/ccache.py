"""MIT FILE credential cache, format version 4 (read 3 too).

Contract: ``Credential(client, server, key, authtime, starttime, endtime, renew_till,
is_skey, ticket_flags, addresses, authdata, ticket: bytes, second_ticket: bytes)``,
``CCache(primary_principal, credentials, kdc_offset: tuple[int, int] | None)``,
``parse_ccache(data) -> CCache`` (raises FileFormatError), ``build_ccache(cc) -> bytes``.
Times are int seconds since the epoch; ``ticket`` is the DER-encoded Ticket.
"""
