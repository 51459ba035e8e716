"""Crypto-specific errors that protocol/errors.py does not define."""

from __future__ import annotations

from protocol.errors import ProtocolError


class S2KParamsError(ProtocolError, ValueError):
    """s2kparams that are malformed or ask for an absurd amount of work (MIT KRB5_ERR_BAD_S2K_PARAMS)."""
