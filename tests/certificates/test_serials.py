"""Serials: random, formatted in groups of four, forgiving to read, strict about typos."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talent.certificates.serials import (
    ALPHABET,
    CHECK_ALPHABET,
    SerialMalformed,
    SerialTypo,
    check_symbol,
    format_serial,
    new_serial,
    normalise_serial,
)

# No example database: the run leaves no files in the checkout.
data_parts = st.text(alphabet=ALPHABET, min_size=15, max_size=15)


def serial_from(data: str) -> str:
    return data + check_symbol(data)


def test_a_new_serial_has_sixteen_symbols_and_a_matching_check_symbol():
    serial = new_serial()
    assert len(serial) == 16
    assert all(symbol in ALPHABET for symbol in serial[:15])
    assert serial[15] in CHECK_ALPHABET
    assert normalise_serial(serial) == serial


def test_new_serials_are_random_not_sequential():
    serials = {new_serial() for _ in range(2000)}
    assert len(serials) == 2000
    # Every data position takes many values: nothing is a counter or a fixed prefix.
    for position in range(15):
        assert len({s[position] for s in serials}) == 32


def test_format_groups_of_four():
    assert format_serial("ABCD1234EFGH5678") == "ABCD-1234-EFGH-5678"
    assert re.fullmatch(r"[0-9A-Z*~$=]{4}(-[0-9A-Z*~$=]{4}){3}", format_serial(new_serial()))


@settings(max_examples=300, database=None)
@given(data_parts)
def test_round_trip_through_the_printed_form(data):
    serial = serial_from(data)
    assert normalise_serial(format_serial(serial)) == serial
    assert normalise_serial(format_serial(serial).lower()) == serial
    assert normalise_serial(" " + " ".join(format_serial(serial).split("-")) + " ") == serial


@settings(max_examples=200, database=None)
@given(data_parts)
def test_ambiguous_letters_are_read_as_digits(data):
    serial = serial_from(data)
    typed = serial[:15].replace("0", "O").replace("1", "l") + serial[15]
    assert normalise_serial(typed) == serial
    assert normalise_serial(serial[:15].replace("1", "I") + serial[15]) == serial


@settings(max_examples=150, database=None)
@given(data_parts)
def test_every_single_symbol_substitution_is_a_typo(data):
    serial = serial_from(data)
    for position in range(16):
        symbols = ALPHABET if position < 15 else CHECK_ALPHABET
        for symbol in symbols:
            if symbol == serial[position]:
                continue
            typed = serial[:position] + symbol + serial[position + 1 :]
            with pytest.raises(SerialTypo):
                normalise_serial(typed)


@settings(max_examples=150, database=None)
@given(data_parts)
def test_swapping_neighbouring_data_symbols_is_a_typo(data):
    serial = serial_from(data)
    for position in range(14):
        a, b = serial[position], serial[position + 1]
        if a == b:
            continue
        with pytest.raises(SerialTypo):
            normalise_serial(serial[:position] + b + a + serial[position + 2 :])


def test_typo_message_says_to_check_the_code():
    serial = new_serial()
    wrong = next(s for s in CHECK_ALPHABET if s != serial[15])
    with pytest.raises(SerialTypo) as caught:
        normalise_serial(serial[:15] + wrong)
    assert "check the code: the last character does not match" in caught.value.message.lower()


@pytest.mark.parametrize(
    "text",
    ["", "ABCD", "ABCD-1234-EFGH-567", "ABCD-1234-EFGH-56789", "ABCD-1234-EFGH-56!8", "ABCD-U234-EFGH-5678"],
)
def test_wrong_length_or_characters_are_malformed_not_typos(text):
    with pytest.raises(SerialMalformed) as caught:
        normalise_serial(text)
    assert caught.value.message
    assert not isinstance(caught.value, SerialTypo)


def test_u_is_only_a_check_symbol():
    data = next(d for d in (new_serial()[:15] for _ in range(1000)) if check_symbol(d) == "U")
    assert normalise_serial(data + "u") == data + "U"
    with pytest.raises(SerialMalformed):
        normalise_serial("U" + data[1:] + "U")
