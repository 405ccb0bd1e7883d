"""What every platform's signature check shares: the timestamp window against replays.

The schemes themselves live with their adapters: ``pinduoduo/signing.py`` (MD5 over sorted parameters),
``generic/signing.py`` (HMAC-SHA256 headers), ``wecom_kf/crypto.py`` (SHA1 + AES-256-CBC callbacks).
"""

from __future__ import annotations


def scalar(value: object) -> str:
    """The string a value is signed as (a bool is "true", never Python's "True"; None is "")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def within_window(timestamp: str | int, now: float, window_s: int) -> bool:
    """Platform timestamps are seconds; a request older or newer than the window is refused (replays)."""
    try:
        return abs(now - int(str(timestamp))) <= window_s
    except (ValueError, OverflowError):  # not a number, or too large to compare with the clock
        return False
