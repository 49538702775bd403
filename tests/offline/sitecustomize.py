"""Loaded by every Python process the test-suite starts (notebook kernels included): no network.

Only loopback connections (how Jupyter talks to its kernels) and Unix sockets are allowed, so a
notebook or helper that tries to download anything fails loudly instead of passing on a laptop.
"""
import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


class NetworkBlocked(ConnectionError):
    """The course must run offline; this connection was refused by the test-suite's guard."""


def _allowed(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guarded(original):
    def connect(self, address):
        if not _allowed(address):
            raise NetworkBlocked(f"network access blocked during tests: {address!r}")
        return original(self, address)

    return connect


socket.socket.connect = _guarded(_connect)
socket.socket.connect_ex = _guarded(_connect_ex)
socket.RNNCOURSE_OFFLINE_GUARD = True
