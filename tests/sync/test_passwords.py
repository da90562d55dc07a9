"""The strength check every new password passes (zxcvbn, score 3 or more), on its own."""

from __future__ import annotations

import sys
import threading

import pytest

from sync.auth.passwords import MAX_PASSWORD_LENGTH, check_password_strength
from sync.errors import InvalidInput


@pytest.mark.parametrize("password", [
    "correct horse battery staple",          # the tests' own
    "a quieter runway at dusk",
    "x" * 40 + " violet hangar over the marsh",  # strong in its first 72 characters
    "violet hangar over the marsh " * 35,   # up to the length limit, judged on 72 characters
])
def test_strong_passwords_pass(password):
    check_password_strength(password[:MAX_PASSWORD_LENGTH])


@pytest.mark.parametrize(("password", "why"), [
    ("password1234", "this is a very common password"),
    ("abcdefghijklmnop", "sequences like"),
    ("a" * 100, "repeats like"),
])
def test_guessable_passwords_are_refused_with_the_reason_and_a_suggestion(password, why):
    with pytest.raises(InvalidInput) as refused:
        check_password_strength(password)
    assert refused.value.field == "password" and refused.value.rule == "WEAK_PASSWORD"
    assert refused.value.message.startswith("the password is too easy to guess")
    assert why in refused.value.message
    assert refused.value.message.rstrip().endswith(".")  # zxcvbn's suggestion closes it


def test_the_accounts_own_words_make_a_password_weak():
    words = ["hill country aviation", "hillcountryaviation", "hill", "country", "aviation"]
    check_password_strength("hillcountryaviation")  # strong for anyone else
    with pytest.raises(InvalidInput):
        check_password_strength("hillcountryaviation", user_inputs=words)


def test_the_length_rule_comes_first():
    with pytest.raises(InvalidInput, match="use at least 12"):
        check_password_strength("Tr0ub4dor&3")


def test_checks_in_parallel_use_their_own_words():
    # zxcvbn keeps a call's words in a module-level dictionary: without the lock a thread could
    # judge its password against another thread's words and let it through.
    failures: list[str] = []

    def check(own: str, n: int) -> None:
        for _ in range(n):
            try:
                check_password_strength(own, user_inputs=[own])
            except InvalidInput:
                continue
            failures.append(own)

    threads = [threading.Thread(target=check, args=(f"bluebonnet{i}academy", 40))
               for i in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that a race would show
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
