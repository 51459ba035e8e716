import pytest

from tests.kdc.client.fakeservers import FakeKDCServer


@pytest.fixture
def fake_server():
    servers = []

    def make(**kw):
        s = FakeKDCServer(**kw)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()
