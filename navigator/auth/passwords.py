"""Password hashing with argon2id (RFC 9106 second recommended profile, 64 MiB)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
# Tests set a cheaper profile so hundreds of sign-ins stay fast; the algorithm is the same.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_use_fast = False


def use_fast_hashing(enabled: bool) -> None:
    global _use_fast
    _use_fast = enabled


def hash_password(password: str) -> str:
    return (_fast_hasher if _use_fast else _hasher).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = _fast_hasher.hash("not-a-real-password")
