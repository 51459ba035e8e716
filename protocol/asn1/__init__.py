"""pyasn1 schemas of the Kerberos 5 protocol, one module per specification.

- ``rfc4120``: the core module (RFC 4120 section 5, appendix A).
- ``rfc6113``: FAST (armor, KrbFastReq/KrbFastResponse, PA-AUTHENTICATION-SET).
- ``rfc6806``: PA-REQ-ENC-PA-REP.
- ``rfc3244``: ChangePasswdData (Microsoft set/change password).
- ``mskkdcp``: KDC-PROXY-MESSAGE ([MS-KKDCP] 2.2.2).
- ``mssfu``: PA-FOR-USER, PA-S4U-X509-USER ([MS-SFU] 2.2.1, 2.2.2).
- ``mspac``: KERB-PA-PAC-REQUEST ([MS-KILE] 2.2.3).
- ``codec``: the strict DER decode wrapper every caller goes through.

Nothing outside ``protocol`` imports these: ``protocol.messages`` turns them into frozen
dataclasses.
"""
