"""The one-request commands: ``monuv cameras options`` and
``monuv clients|users block|unblock``."""

from __future__ import annotations

import json
import sys

import attrs

from ..documents import digits_only, is_valid_cnpj, is_valid_cpf
from .args import Context, UsageError
from .output import _isatty, format_options
from .terminal import for_terminal, json_for_terminal

__all__ = ["block_command", "camera_options_command", "check_document"]


async def camera_options_command(ctx: Context) -> int:
    """``monuv cameras options``: what ``camera_options()`` offers, as tables or JSON."""
    async with ctx.client() as monuv:
        options = await monuv.camera_options()
    if ctx.args.format == "json":
        # For scripts; json escapes the C0 controls, but not C1 or bidi ones.
        data = attrs.asdict(options, filter=lambda a, _: a.name != "extra")
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        sys.stdout.write(json_for_terminal(text) if _isatty(sys.stdout) else text)
    else:
        # Names come from the server: shown, never obeyed by the terminal.
        sys.stdout.write(for_terminal(format_options(options), keep_newlines=True))
    return 0


def check_document(text: str) -> str:
    """``text`` if it is a CPF or CNPJ; else ``UsageError`` saying what is wrong with it."""
    digits = digits_only(text)
    shown = for_terminal(text)
    if digits is None:
        msg = f"DOCUMENT {shown!r}: only digits and the separators . - / are allowed"
        raise UsageError(msg)
    if len(digits) == 11:
        if not is_valid_cpf(digits):
            msg = f"DOCUMENT {shown}: the CPF's check digits do not match (a typo?)"
            raise UsageError(msg)
    elif len(digits) == 14:
        if not is_valid_cnpj(digits):
            msg = f"DOCUMENT {shown}: the CNPJ's check digits do not match (a typo?)"
            raise UsageError(msg)
    else:
        msg = f"DOCUMENT {shown}: {len(digits)} digits; a CPF has 11 and a CNPJ 14"
        raise UsageError(msg)
    return text


async def block_command(ctx: Context) -> int:
    """``monuv clients|users block|unblock``: one call, one ``ok:`` line."""
    args = ctx.args
    if args.noun == "clients":
        check_document(args.document)
    async with ctx.client() as monuv:
        if args.noun == "clients":
            call = monuv.block_client if args.action == "block" else monuv.unblock_client
            await call(args.document)
            what = f"client {args.document}"
        else:
            op = monuv.block_user if args.action == "block" else monuv.unblock_user
            await op(args.user_id)
            what = f"user {args.user_id}"
    sys.stdout.write(for_terminal(f"ok: {what} {args.action}ed") + "\n")
    return 0
