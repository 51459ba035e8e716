"""Fixtures of the kdcadmin tests: a SoftHSM2 token, a configured realm before and after init."""

from tests.kdc.admin.harness import fresh, realm  # noqa: F401
from tests.support.softhsm import softhsm_token  # noqa: F401
