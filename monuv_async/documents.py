"""Brazilian document numbers: CPF, CNPJ and CEP.

Monuv identifies a client by its CPF (a person, 11 digits) or CNPJ (a company,
14 digits). Both end in two check digits computed with a weighted sum modulo
11, so most typing mistakes can be caught before anything is sent.

Every function here is pure and accepts the number formatted
(``"123.456.789-09"``, ``"11.222.333/0001-81"``, ``"01310-100"``) or bare.
"""

from __future__ import annotations

__all__ = [
    "digits_only",
    "format_cnpj",
    "format_cpf",
    "is_valid_cep",
    "is_valid_cnpj",
    "is_valid_cpf",
    "normalize_cep",
    "normalize_document",
]

# Characters people use to format documents; anything else is a typo.
_SEPARATORS = frozenset(" .-/")

_CPF_WEIGHTS = (tuple(range(10, 1, -1)), tuple(range(11, 1, -1)))
_CNPJ_WEIGHTS = ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2))


def digits_only(value: str) -> str | None:
    """Return the ASCII digits of ``value``, or ``None`` if it has other characters.

    Only the usual separators (space, ``.``, ``-`` and ``/``) are dropped, so
    ``"12a"`` is rejected rather than silently read as ``"12"``.
    """
    digits = []
    for char in value:
        if "0" <= char <= "9":
            digits.append(char)
        elif char not in _SEPARATORS:
            return None
    return "".join(digits)


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


def _valid(digits: str | None, length: int, weights: tuple[tuple[int, ...], ...]) -> bool:
    if digits is None or len(digits) != length or len(set(digits)) == 1:
        # All-equal numbers ("111.111.111-11") pass the arithmetic but are
        # rejected by the Receita Federal, and by Monuv.
        return False
    first = _check_digit(digits[: length - 2], weights[0])
    second = _check_digit(digits[: length - 1], weights[1])
    return digits[-2:] == first + second


def is_valid_cpf(value: str) -> bool:
    """Whether ``value`` is a CPF (11 digits) with correct check digits."""
    return _valid(digits_only(value), 11, _CPF_WEIGHTS)


def is_valid_cnpj(value: str) -> bool:
    """Whether ``value`` is a CNPJ (14 digits) with correct check digits."""
    return _valid(digits_only(value), 14, _CNPJ_WEIGHTS)


def normalize_document(value: str) -> str:
    """Return the bare digits of a valid CPF or CNPJ.

    Raises ``ValueError`` when ``value`` is neither.
    """
    digits = digits_only(value)
    if digits is not None and (
        _valid(digits, 11, _CPF_WEIGHTS) or _valid(digits, 14, _CNPJ_WEIGHTS)
    ):
        return digits
    msg = "document: not a valid CPF (11 digits) or CNPJ (14 digits)"
    raise ValueError(msg)


def format_cpf(value: str) -> str:
    """Format a CPF as ``000.000.000-00``."""
    d = normalize_document(value)
    if len(d) != 11:
        msg = "document: not a CPF"
        raise ValueError(msg)
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


def format_cnpj(value: str) -> str:
    """Format a CNPJ as ``00.000.000/0000-00``."""
    d = normalize_document(value)
    if len(d) != 14:
        msg = "document: not a CNPJ"
        raise ValueError(msg)
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def is_valid_cep(value: str) -> bool:
    """Whether ``value`` is a CEP: 8 digits, formatted ``00000-000`` or bare."""
    digits = digits_only(value)
    return digits is not None and len(digits) == 8


def normalize_cep(value: str) -> str:
    """Return a CEP formatted ``00000-000``; ``ValueError`` if it is not 8 digits."""
    digits = digits_only(value)
    if digits is None or len(digits) != 8:
        msg = "cep: must be 8 digits (00000-000)"
        raise ValueError(msg)
    return f"{digits[:5]}-{digits[5:]}"
