"""The course needs no network once it is installed: the tests prove it by cutting the network.

Two layers, because the notebook kernels are separate processes:

1. The pytest process. Importing this module installs a guard on ``socket.socket.connect``/``connect_ex``/
   ``sendto`` and ``socket.getaddrinfo`` that refuses every address that is not loopback (127.0.0.0/8, ::1) or a
   Unix socket, and every host name that is not this machine. pytest imports every test module while it
   collects, before the first test runs, so when the suite runs (``make test``) every test runs behind the guard:
   the helper-package tests, the book build's in-process checks, the JupyterLab test (which talks to 127.0.0.1).
   Other programs the tests start are not behind it; one of them is meant to reach a registry, as an install does:
   uv in ``tests/test_platforms.py`` resolving the pins for other platforms from PyPI.
   ``test_public_addresses_are_refused`` shows the guard refuses real addresses; loopback keeps working.
   (nbval's kernels talk to pytest over ZeroMQ on 127.0.0.1, which the guard allows and libzmq does not route
   through Python sockets anyway.)
2. The kernels. A Python-level guard cannot reach another process without a sitecustomize hack, so
   ``test_a_lesson_passes_nbval_without_a_network`` runs a lesson under nbval inside a new network namespace
   (``unshare --net``; ``--map-root-user`` as well when not root): the namespace has only a loopback interface,
   which the script brings up for ZeroMQ, so any download, DNS lookup or licence check in the lesson, its kernel
   or its libraries fails the cell. It first checks that a public address is unreachable there. Where
   namespaces are not allowed (some containers) the test is skipped, or fails when SEGCOURSE_REQUIRE_ALL=1 (CI).
   ``SEGCOURSE_OFFLINE_LESSONS="notebooks/*.ipynb"`` runs more lessons that way (default: one).
"""
from __future__ import annotations

import glob
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_ALL = os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1"
# One lesson that loads data, draws with stackview, moves sliders and runs OpenCL: the first that exists.
OFFLINE_LESSON_PREFERENCE = ["04_*.ipynb", "03_*.ipynb", "02_*.ipynb", "00_*.ipynb"]


class NetworkBlockedError(ConnectionRefusedError):
    """Raised by the guard: the tests run offline."""


# ------------------------------------------------------------------------------------------------- the guard
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", socket.gethostname()}


def _is_local_address(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX (a path), AF_NETLINK and friends
        return True
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:  # a host name: the guard on getaddrinfo decides
        return False


def _install_guard() -> None:
    if getattr(socket.socket.connect, "segcourse_offline_guard", False):
        return
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    original_sendto, original_getaddrinfo = socket.socket.sendto, socket.getaddrinfo

    def refuse(address):
        raise NetworkBlockedError(f"The course's tests run offline: a connection to {address!r} was refused "
                                  "(tests/test_offline.py). Lessons and helpers must not use the network.")

    def connect(self, address):
        if not _is_local_address(address):
            refuse(address)
        return original_connect(self, address)

    def connect_ex(self, address):
        if not _is_local_address(address):
            refuse(address)
        return original_connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if not _is_local_address(address):
            refuse(address)
        return original_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in _LOCAL_NAMES:
            try:
                ipaddress.ip_address(str(name).split("%")[0])  # a literal address: connect() decides
            except ValueError:
                raise socket.gaierror(socket.EAI_NONAME, f"The course's tests run offline: no name lookup of "
                                                         f"{name!r} (tests/test_offline.py)") from None
        return original_getaddrinfo(host, *args, **kwargs)

    for function in (connect, connect_ex, sendto, getaddrinfo):
        function.segcourse_offline_guard = True
    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo = getaddrinfo


_install_guard()  # at import, i.e. while pytest collects: every test of the session runs behind it


# ------------------------------------------------------------------------------------------------ the tests
def test_the_guard_is_installed_for_the_whole_session():
    assert getattr(socket.socket.connect, "segcourse_offline_guard", False)
    assert getattr(socket.getaddrinfo, "segcourse_offline_guard", False)


@pytest.mark.parametrize("family, address", [
    (socket.AF_INET, ("93.184.215.14", 80)),       # a public IPv4 address
    (socket.AF_INET, ("1.1.1.1", 53)),
    (socket.AF_INET6, ("2606:4700:4700::1111", 443)),  # a public IPv6 address
])
def test_public_addresses_are_refused(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError, match="run offline"):
            sock.connect(address)
        with pytest.raises(NetworkBlockedError):
            sock.connect_ex(address)


def test_udp_and_name_lookups_are_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkBlockedError):
            sock.sendto(b"\0" * 12, ("8.8.8.8", 53))
    with pytest.raises(socket.gaierror, match="no name lookup of 'pypi.org'"):
        socket.getaddrinfo("pypi.org", 443)


def test_downloads_fail_with_the_guard_message():
    import urllib.error
    import urllib.request
    with pytest.raises(urllib.error.URLError, match="run offline"):
        urllib.request.urlopen("https://pypi.org/simple/", timeout=5)
    with pytest.raises(urllib.error.URLError, match="run offline"):
        urllib.request.urlopen("http://93.184.215.14/", timeout=5)


def test_loopback_still_works():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            connection, _ = server.accept()
            with connection:
                client.sendall(b"ping")
                assert connection.recv(4) == b"ping"
    assert socket.getaddrinfo("localhost", 80)


# ------------------------------------------------------------------------------------- a lesson, no network
# Runs inside the new network namespace: bring up loopback (ZeroMQ between pytest and the kernel needs it),
# prove that the outside is unreachable, then hand over to pytest/nbval.
NAMESPACE_SCRIPT = textwrap.dedent("""\
    import errno, fcntl, os, socket, struct, sys
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=3).close()
        sys.exit("the network namespace can reach 1.1.1.1: the network is not cut")
    except OSError as error:
        print("network cut:", error, flush=True)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", "-q", *sys.argv[1:]])
""")


def _unshare_command() -> list[str] | None:
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return None
    command = [unshare, "--net"] if os.geteuid() == 0 else [unshare, "--net", "--map-root-user"]
    probe = subprocess.run([*command, "true"], capture_output=True)
    return command if probe.returncode == 0 else None


def _offline_lessons() -> list[Path]:
    pattern = os.environ.get("SEGCOURSE_OFFLINE_LESSONS")
    if pattern:
        return sorted(Path(p).resolve() for p in glob.glob(pattern, root_dir=ROOT) or glob.glob(pattern))
    for preference in OFFLINE_LESSON_PREFERENCE:
        found = sorted((ROOT / "notebooks").glob(preference))
        if found:
            return found[:1]
    return []


def test_a_lesson_passes_nbval_without_a_network(tmp_path):
    command = _unshare_command()
    if command is None:
        reason = "cannot create a network namespace here (unshare --net not available or not permitted)"
        if REQUIRE_ALL:
            pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]")
        pytest.skip(reason)
    lessons = [ROOT / p for p in _offline_lessons()]
    assert lessons, "no lesson notebooks found"
    env = dict(os.environ, SEGCOURSE_OUTPUT=str(tmp_path / "output"))
    env.pop("DISPLAY", None)  # an X server outside the namespace is not reachable over TCP; sockets in /tmp are
    process = subprocess.run(
        [*command, sys.executable, "-c", NAMESPACE_SCRIPT,
         *[str(p.relative_to(ROOT)) for p in lessons]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    output = process.stdout + process.stderr
    assert "network cut:" in output, output[-3000:]
    assert process.returncode == 0, output[-5000:]
