"""CPF, CNPJ and CEP: check digits, normalisation and formatting."""

from __future__ import annotations

import pytest

from monuv_async.documents import (
    digits_only,
    format_cnpj,
    format_cpf,
    is_valid_cep,
    is_valid_cnpj,
    is_valid_cpf,
    normalize_cep,
    normalize_document,
)

# Valid numbers, checked by hand against the Receita Federal algorithm.
CPFS = ["529.982.247-25", "111.444.777-35", "123.456.789-09", "935.411.347-80"]
CNPJS = ["11.222.333/0001-81", "11.444.777/0001-61", "45.723.174/0001-10", "60.701.190/0001-04"]


def bare(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def bump_last(value: str) -> str:
    """The same number with its last check digit changed."""
    return value[:-1] + str((int(value[-1]) + 1) % 10)


@pytest.mark.parametrize("cpf", CPFS)
def test_valid_cpf_accepted_formatted_and_bare(cpf: str) -> None:
    """A known valid CPF is accepted with and without its punctuation."""
    assert is_valid_cpf(cpf)
    assert is_valid_cpf(bare(cpf))


@pytest.mark.parametrize("cnpj", CNPJS)
def test_valid_cnpj_accepted_formatted_and_bare(cnpj: str) -> None:
    """A known valid CNPJ is accepted with and without its punctuation."""
    assert is_valid_cnpj(cnpj)
    assert is_valid_cnpj(bare(cnpj))


@pytest.mark.parametrize("cpf", CPFS)
def test_cpf_is_not_a_cnpj(cpf: str) -> None:
    """A CPF never passes as a CNPJ (the length decides)."""
    assert not is_valid_cnpj(cpf)


@pytest.mark.parametrize("cnpj", CNPJS)
def test_cnpj_is_not_a_cpf(cnpj: str) -> None:
    """A CNPJ never passes as a CPF."""
    assert not is_valid_cpf(cnpj)


@pytest.mark.parametrize("cpf", CPFS)
def test_cpf_wrong_check_digits_rejected(cpf: str) -> None:
    """Changing either check digit of a CPF makes it invalid."""
    assert not is_valid_cpf(bump_last(cpf))
    first = cpf[:-2] + str((int(cpf[-2]) + 1) % 10) + cpf[-1]
    assert not is_valid_cpf(first)


@pytest.mark.parametrize("cnpj", CNPJS)
def test_cnpj_wrong_check_digits_rejected(cnpj: str) -> None:
    """Changing either check digit of a CNPJ makes it invalid."""
    assert not is_valid_cnpj(bump_last(cnpj))
    first = cnpj[:-2] + str((int(cnpj[-2]) + 1) % 10) + cnpj[-1]
    assert not is_valid_cnpj(first)


@pytest.mark.parametrize("value", ["5299822472", "529982247250", "", "1", "529.982.247-2"])
def test_cpf_wrong_length_rejected(value: str) -> None:
    """A CPF must have exactly 11 digits."""
    assert not is_valid_cpf(value)


@pytest.mark.parametrize("value", ["1122233300018", "112223330001810", "11.222.333/0001-8"])
def test_cnpj_wrong_length_rejected(value: str) -> None:
    """A CNPJ must have exactly 14 digits."""
    assert not is_valid_cnpj(value)


@pytest.mark.parametrize("digit", "0123456789")
def test_all_equal_digits_rejected(digit: str) -> None:
    """All-equal numbers pass the arithmetic but are not real documents."""
    assert not is_valid_cpf(digit * 11)
    assert not is_valid_cnpj(digit * 14)
    with pytest.raises(ValueError, match=r"^document:"):
        normalize_document(digit * 11)


def test_all_equal_cpf_does_pass_the_arithmetic() -> None:
    """111.111.111-11 has matching check digits, so only the all-equal rule rejects it."""
    digits = [1] * 9
    first = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) * 10 % 11 % 10
    second = (
        sum(d * w for d, w in zip([*digits, first], range(11, 1, -1), strict=True)) * 10 % 11 % 10
    )
    assert (first, second) == (1, 1)
    assert not is_valid_cpf("111.111.111-11")


@pytest.mark.parametrize(
    "value",
    ["529.982.247-2a", "52998224725x", "a52998224725", "529,982,247-25", "529_982_247_25"],
)
def test_letters_and_odd_separators_rejected(value: str) -> None:
    """Characters other than digits and ` .-/` make a document invalid, not ignored."""
    assert not is_valid_cpf(value)
    assert digits_only(value) is None


def test_non_ascii_digits_rejected() -> None:
    """Fullwidth or Arabic-Indic digits are not read as digits."""
    fullwidth = "".join(chr(0xFF10 + int(c)) for c in "52998224725")
    arabic = "".join(chr(0x0660 + int(c)) for c in "52998224725")
    assert digits_only(fullwidth) is None
    assert not is_valid_cpf(fullwidth)
    assert not is_valid_cpf(arabic)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("529.982.247-25", "52998224725"),
        ("11.222.333/0001-81", "11222333000181"),
        (" 01310 - 100 ", "01310100"),
        ("", ""),
        ("12a", None),
        ("12\n3", None),
    ],
)
def test_digits_only(value: str, expected: str | None) -> None:
    """Only space, dot, dash and slash are dropped; anything else gives None."""
    assert digits_only(value) == expected


@pytest.mark.parametrize("value", ["01310-100", "01310100"])
def test_cep_eight_digits_accepted(value: str) -> None:
    """A CEP is 8 digits, formatted or bare."""
    assert is_valid_cep(value)
    assert normalize_cep(value) == "01310-100"


@pytest.mark.parametrize("value", ["0131-010", "013101000", "", "01310-10a", "0131O-100"])
def test_bad_cep_rejected(value: str) -> None:
    """A CEP with the wrong number of digits or a letter is refused, naming the field."""
    assert not is_valid_cep(value)
    with pytest.raises(ValueError, match=r"^cep:"):
        normalize_cep(value)


@pytest.mark.parametrize("value", CPFS + CNPJS)
def test_normalize_document_gives_bare_digits(value: str) -> None:
    """normalize_document strips the punctuation of a valid CPF or CNPJ."""
    assert normalize_document(value) == bare(value)
    assert normalize_document(bare(value)) == bare(value)


@pytest.mark.parametrize(
    "value", ["99.999.999/9999-99", "529.982.247-26", "123", "abc", "", "%2F52998224725"]
)
def test_normalize_document_rejects_invalid(value: str) -> None:
    """normalize_document raises a ValueError naming the field for a bad number."""
    with pytest.raises(ValueError, match=r"^document:"):
        normalize_document(value)


def test_normalize_document_drops_any_separator() -> None:
    """Separators are dropped wherever they stand, so a stray `/` never survives."""
    assert normalize_document("/529/982/247/25/") == "52998224725"


@pytest.mark.parametrize("cpf", CPFS)
def test_format_cpf(cpf: str) -> None:
    """format_cpf gives 000.000.000-00 from either spelling."""
    assert format_cpf(bare(cpf)) == cpf
    assert format_cpf(cpf) == cpf


@pytest.mark.parametrize("cnpj", CNPJS)
def test_format_cnpj(cnpj: str) -> None:
    """format_cnpj gives 00.000.000/0000-00 from either spelling."""
    assert format_cnpj(bare(cnpj)) == cnpj
    assert format_cnpj(cnpj) == cnpj


def test_format_refuses_the_other_kind() -> None:
    """format_cpf refuses a CNPJ and format_cnpj a CPF."""
    with pytest.raises(ValueError, match=r"^document: not a CPF"):
        format_cpf(CNPJS[0])
    with pytest.raises(ValueError, match=r"^document: not a CNPJ"):
        format_cnpj(CPFS[0])


def test_format_refuses_invalid() -> None:
    """Formatting a number with wrong check digits raises instead of hiding the typo."""
    with pytest.raises(ValueError, match=r"^document:"):
        format_cpf(bump_last(CPFS[0]))
    with pytest.raises(ValueError, match=r"^document:"):
        format_cnpj(bump_last(CNPJS[0]))
