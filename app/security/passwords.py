"""Console passwords: argon2id hashes (argon2-cffi), a length rule, and a constant-cost miss for unknown accounts."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()  # argon2id with the library's recommended cost parameters
_dummies: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash with the current parameters, verified for unknown accounts so they cost the same time."""
    key = id(_hasher)
    if key not in _dummies:
        _dummies[key] = _hasher.hash("not a real password: equalises the time of unknown accounts")
    return _dummies[key]


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown account (None) costs the same time and fails."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


async def hash_password_off_loop(password: str) -> str:
    """hash_password in a worker thread: argon2 takes tens of milliseconds of CPU and must not stall the server."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_off_loop(stored_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, stored_hash, password)
