"""krb5.conf parsing: realms' KDC lists, libdefaults, comments, addresses."""

import pytest

from kdc.client.krb5conf import KDCAddr, Krb5ConfError, parse_krb5_conf

SAMPLE = """
# comment
[libdefaults]
    default_realm = EXAMPLE.TEST
    udp_preference_limit = 1
    clockskew = 120
[realms]
    EXAMPLE.TEST = {
        kdc = kdc1.example.test:8888
        kdc = [::1]:750
        kdc = kdc3.example.test
        admin_server = kdc1.example.test
    }
    OTHER.TEST = {
        kdc = 127.0.0.1:99 *
    }
[domain_realm]
    ; another comment
    .example.test = EXAMPLE.TEST
"""


def test_realm_kdcs_in_file_order():
    """Every kdc relation of a realm, with ports (88 by default) and IPv6 brackets removed."""
    conf = parse_krb5_conf(SAMPLE)
    assert conf.kdcs("EXAMPLE.TEST") == (KDCAddr("kdc1.example.test", 8888), KDCAddr("::1", 750),
                                         KDCAddr("kdc3.example.test", 88))
    assert conf.kdcs("OTHER.TEST") == (KDCAddr("127.0.0.1", 99),)
    assert conf.kdcs("NONE.TEST") == ()


def test_libdefaults():
    """default_realm, udp_preference_limit and clockskew are read from [libdefaults]."""
    conf = parse_krb5_conf(SAMPLE)
    assert (conf.default_realm, conf.udp_preference_limit, conf.clockskew) == ("EXAMPLE.TEST", 1, 120)


def test_defaults_when_absent():
    """Without [libdefaults], MIT's defaults apply (1465 bytes, 300 s)."""
    conf = parse_krb5_conf("[realms]\n")
    assert (conf.default_realm, conf.udp_preference_limit, conf.clockskew) == (None, 1465, 300)


@pytest.mark.parametrize("text", ["[realms]\n X = {\n kdc = a\n", "[realms]\n}\n", "[realms]\nnonsense line\n"])
def test_malformed_file_raises(text):
    """Unbalanced braces and lines that are no relation raise Krb5ConfError."""
    with pytest.raises(Krb5ConfError):
        parse_krb5_conf(text)


def test_address_str_round_trip():
    """KDCAddr prints IPv6 with brackets and parses back to itself."""
    for addr in (KDCAddr("::1", 88), KDCAddr("kdc", 750)):
        assert KDCAddr.parse(str(addr)) == addr
