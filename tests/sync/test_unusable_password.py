"""The hash of an account without a password: matches nothing, looks like any other."""

from __future__ import annotations

import argon2

from sync.auth.passwords import (hash_password, needs_rehash, unusable_password_hash,
                                 verify_password)


def test_no_password_matches_it() -> None:
    unusable = unusable_password_hash()
    for guess in ("", "correct horse battery staple", unusable, unusable.split("$")[-1]):
        assert verify_password(unusable, guess) is False


def test_it_has_the_parameters_of_a_real_hash() -> None:
    """So a sign-in against it costs the same argon2 run (nothing to learn from the timing), and
    it is never "re-hashed" after a sign-in (there is none)."""
    unusable, real = unusable_password_hash(), hash_password("correct horse battery staple")
    assert argon2.extract_parameters(unusable) == argon2.extract_parameters(real)
    assert not needs_rehash(unusable)
    assert unusable.split("$")[:4] == real.split("$")[:4]


def test_every_account_gets_its_own() -> None:
    made = {unusable_password_hash() for _ in range(20)}
    assert len(made) == 20
    assert len({value.split("$")[4] for value in made}) == 20  # the salts differ too
