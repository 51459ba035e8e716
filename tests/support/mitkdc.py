"""A throw-away MIT krb5 realm: MIT's own KDC on loopback, for interop tests and captures.

    with MITRealm(tmp_path) as realm:
        realm.add_principal("alice", password="secret")
        realm.kinit("alice", "secret")
        subprocess.run(["klist"], env=realm.env(), check=True)

Everything (database, stash, kdc.conf, krb5.conf, logs, credential cache) lives in the
working folder; the KDC listens on 127.0.0.1 on one free port for both UDP and TCP and is
stopped (terminate, wait, kill) when the context exits. Import the module-scoped fixture
into a conftest with ``from tests.support.mitkdc import mit_realm  # noqa: F401``.

Passwords given to these helpers travel in kadmin/kinit arguments or stdin, never in
exceptions or logs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

# A port free for both TCP and UDP on 127.0.0.1 (krb5kdc listens on both); one implementation.
from tests.support.realm import free_port

__all__ = ["MITRealm", "MITRealmError", "mit_realm", "DEFAULT_SUPPORTED_ENCTYPES", "free_port"]

KRB5KDC = "/usr/sbin/krb5kdc"
KDB5_UTIL = "/usr/sbin/kdb5_util"
KADMIN_LOCAL = "/usr/sbin/kadmin.local"

DEFAULT_SUPPORTED_ENCTYPES = (
    "aes256-cts-hmac-sha1-96:normal",
    "aes128-cts-hmac-sha1-96:normal",
    "aes256-cts-hmac-sha384-192:normal",
    "aes128-cts-hmac-sha256-128:normal",
    "camellia256-cts-cmac:normal",
)
_START_ATTEMPTS = 5
_START_TIMEOUT = 10.0
_TOOL_TIMEOUT = 60


class MITRealmError(RuntimeError):
    """An MIT tool failed; the message carries its output (never a password)."""


class MITRealm:
    """An MIT KDC for ``realm`` with its database under ``workdir`` (a temp dir when None)."""

    def __init__(
        self,
        workdir: str | os.PathLike[str] | None = None,
        realm: str = "MIT.TEST",
        *,
        supported_enctypes: Sequence[str] = DEFAULT_SUPPORTED_ENCTYPES,
        disable_last_success: bool = False,
        disable_lockout: bool = False,
        max_life: str = "10h",
        max_renewable_life: str = "7d",
        master_password: str = "mit-test-master-password",
        trace: bool = False,
    ) -> None:
        self._own_dir = workdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="mitkdc-") if workdir is None else workdir).resolve()
        self.realm = realm
        self.supported_enctypes = tuple(supported_enctypes)
        self.disable_last_success = disable_last_success
        self.disable_lockout = disable_lockout
        self.max_life = max_life
        self.max_renewable_life = max_renewable_life
        self._master_password = master_password
        self.trace = trace
        self.port = 0
        self.kdc_conf_path = self.dir / "kdc.conf"
        self.krb5_conf_path = self.dir / "krb5.conf"
        self.ccache_path = self.dir / "ccache"
        self.log_path = self.dir / "kdc.log"
        self.trace_path = self.dir / "trace.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._created = False

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> MITRealm:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Create the database (once) and start krb5kdc on a free port; wait until it accepts."""
        self.dir.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _ in range(_START_ATTEMPTS):
            self.port = free_port()
            self._write_configs()
            if not self._created:
                self._create_database()
            try:
                self._start_kdc()
                return
            except MITRealmError as exc:  # most likely another test took the port first
                last_error = str(exc)
        raise MITRealmError(f"krb5kdc did not start after {_START_ATTEMPTS} attempts: {last_error}")

    def stop(self) -> None:
        """Stop the KDC: SIGTERM, wait, then SIGKILL; remove a temp dir we made."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _create_database(self) -> None:
        self._run([KDB5_UTIL, "create", "-s", "-P", self._master_password, "-r", self.realm], secret=True)
        self._created = True

    def _start_kdc(self) -> None:
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [KRB5KDC, "-n", "-r", self.realm], env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise MITRealmError(f"krb5kdc exited early: {self._log_tail()}")
            if self._accepts_tcp():
                return
            time.sleep(0.05)
        self.stop_process_only()
        raise MITRealmError(f"krb5kdc did not listen on port {self.port} in time: {self._log_tail()}")

    def stop_process_only(self) -> None:
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    def _accepts_tcp(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    # -- configuration files ----------------------------------------------------------

    def _write_configs(self) -> None:
        self.kdc_conf_path.write_text(self._kdc_conf())
        self.krb5_conf_path.write_text(self._krb5_conf())

    def _kdc_conf(self) -> str:
        d, r = self.dir, self.realm
        db_options = [f"disable_last_success = {str(self.disable_last_success).lower()}",
                      f"disable_lockout = {str(self.disable_lockout).lower()}"]
        return "\n".join([
            "[kdcdefaults]",
            f"    kdc_listen = 127.0.0.1:{self.port}",
            f"    kdc_tcp_listen = 127.0.0.1:{self.port}",
            "[realms]",
            f"    {r} = {{",
            f"        database_name = {d}/principal",
            f"        key_stash_file = {d}/stash",
            f"        acl_file = {d}/kadm5.acl",
            f"        database_module = {r}_db",
            "        master_key_type = aes256-cts-hmac-sha1-96",
            f"        supported_enctypes = {' '.join(self.supported_enctypes)}",
            f"        max_life = {self.max_life}",
            f"        max_renewable_life = {self.max_renewable_life}",
            "    }",
            "[dbmodules]",
            f"    {r}_db = {{",
            "        db_library = db2",
            *(f"        {opt}" for opt in db_options),
            "    }",
            "[logging]",
            f"    kdc = FILE:{self.log_path}",
            f"    admin_server = FILE:{d}/kadmin.log",
            "",
        ])

    def _krb5_conf(self) -> str:
        r = self.realm
        return "\n".join([
            "[libdefaults]",
            f"    default_realm = {r}",
            "    dns_lookup_kdc = false",
            "    dns_lookup_realm = false",
            "    rdns = false",
            "    ignore_acceptor_hostname = true",
            "[realms]",
            f"    {r} = {{",
            f"        kdc = 127.0.0.1:{self.port}",
            "    }",
            "",
        ])

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for MIT tools against this realm (KRB5_CONFIG, KRB5CCNAME, TZ=UTC, LC_ALL=C...)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("KRB5")}
        env.update(
            KRB5_CONFIG=str(self.krb5_conf_path),
            KRB5_KDC_PROFILE=str(self.kdc_conf_path),
            KRB5CCNAME=f"FILE:{self.ccache_path}",
            KRB5_KTNAME=f"FILE:{self.dir / 'default.keytab'}",
            KRB5RCACHEDIR=str(self.dir),
            # Tools print (and kadmin parses) times in local time: pin it so output is comparable.
            TZ="UTC",
            LC_ALL="C",
        )
        if self.trace:
            env["KRB5_TRACE"] = str(self.trace_path)
        env.update(extra)
        return env

    # -- tools ------------------------------------------------------------------------

    def _run(self, argv: list[str], *, input: bytes | None = None, secret: bool = False,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run an MIT tool; raise MITRealmError with its output on failure."""
        proc = subprocess.run(argv, input=input, env=env or self.env(), capture_output=True,
                              timeout=_TOOL_TIMEOUT)
        if proc.returncode != 0:
            shown = argv[0] if secret else " ".join(argv)
            raise MITRealmError(
                f"{shown} exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()}"
            )
        return proc

    def kadmin(self, query: str) -> str:
        """``kadmin.local -q QUERY``; returns stdout, raises on any error kadmin reports.

        kadmin.local -q exits 0 even when the query fails, so its stderr is checked too.
        """
        proc = self._run([KADMIN_LOCAL, "-r", self.realm, "-q", query], secret=True)
        errors = [line for line in proc.stderr.decode(errors="replace").splitlines()
                  if line.strip() and not line.startswith("Authenticating as principal")
                  and "No policy specified" not in line]
        if errors:
            raise MITRealmError(f"kadmin.local {query.split()[0]}: {' '.join(errors)}")
        return proc.stdout.decode(errors="replace")

    def add_principal(self, name: str, password: str | None = None, randkey: bool = False,
                      requires_preauth: bool = True, enctypes: Sequence[str] | None = None,
                      extra: Sequence[str] = ()) -> str:
        """``addprinc``; with neither ``password`` nor ``randkey`` the principal has no keys.

        Returns the principal name with the realm.
        """
        args = ["addprinc", "+requires_preauth" if requires_preauth else "-requires_preauth", *extra]
        if password is not None:
            args += ["-pw", _quote(password)]
        elif randkey:
            args.append("-randkey")
        else:
            args.append("-nokey")
        if enctypes:
            args += ["-e", _quote(" ".join(enctypes))]
        self.kadmin(" ".join([*args, _quote(name)]))
        return name if "@" in name else f"{name}@{self.realm}"

    def ktadd(self, keytab_path: str | os.PathLike[str], principal: str, norandkey: bool = True,
              enctypes: Sequence[str] | None = None) -> Path:
        """``ktadd -k KEYTAB [-norandkey] [-e ...] PRINCIPAL``; returns the keytab path."""
        args = ["ktadd", "-k", _quote(str(keytab_path))]
        if norandkey:
            args.append("-norandkey")
        if enctypes:
            args += ["-e", _quote(" ".join(enctypes))]
        self.kadmin(" ".join([*args, _quote(principal)]))
        return Path(keytab_path)

    def getprinc(self, principal: str) -> str:
        return self.kadmin(f"getprinc {_quote(principal)}")

    def kinit(self, principal: str, password: str, *args: str,
              ccache: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run MIT ``kinit`` against this KDC (password on stdin); raises on failure."""
        env = self.env() if ccache is None else self.env(KRB5CCNAME=f"FILE:{ccache}")
        return self._run(["kinit", *args, principal], input=(password + "\n").encode(), secret=True,
                         env=env)

    def run(self, *argv: str, input: bytes | None = None, check: bool = True,
            **env: str) -> subprocess.CompletedProcess[bytes]:
        """Run any command (klist, kvno, ktutil...) in this realm's environment."""
        if check:
            return self._run(list(argv), input=input, env=self.env(**env))
        return subprocess.run(list(argv), input=input, env=self.env(**env), capture_output=True,
                              timeout=_TOOL_TIMEOUT)


def _quote(word: str) -> str:
    """Quote one word for kadmin's -q parser (double quotes; no quote or newline inside)."""
    if '"' in word or "\n" in word:
        raise ValueError("kadmin -q cannot carry double quotes or newlines in one word")
    return f'"{word}"'


@pytest.fixture(scope="module")
def mit_realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MITRealm]:
    """A running MIT KDC for realm MIT.TEST, shared by the tests of one module."""
    realm = MITRealm(tmp_path_factory.mktemp("mitkdc"))
    with realm:
        yield realm


class UDPRelay:
    """A loopback UDP relay in front of a KDC that records every datagram it forwards, as
    ("request", bytes) and ("reply", bytes) in ``log`` (MIT's tools talk to ``port``)."""

    def __init__(self, kdc_port: int) -> None:
        self.kdc = ("127.0.0.1", kdc_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.log: list[tuple[str, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def replies(self) -> list[bytes]:
        return [data for direction, data in self.log if direction == "reply"]

    def __enter__(self) -> UDPRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                request, client = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                upstream.settimeout(5)
                upstream.sendto(request, self.kdc)
                reply = upstream.recv(65536)
            self.log.append(("request", request))
            self.log.append(("reply", reply))
            self.sock.sendto(reply, client)
