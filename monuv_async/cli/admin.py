"""The one-request commands: ``monuv cameras options`` and
``monuv clients|users block|unblock``."""

from __future__ import annotations

import sys

from .args import Context
from .output import format_options

__all__ = ["block_command", "camera_options_command"]


async def camera_options_command(ctx: Context) -> int:
    """``monuv cameras options``: print what ``camera_options()`` offers, as tables."""
    async with ctx.client() as monuv:
        options = await monuv.camera_options()
    sys.stdout.write(format_options(options))
    return 0


async def block_command(ctx: Context) -> int:
    """``monuv clients|users block|unblock``: one call, one ``ok:`` line."""
    args = ctx.args
    async with ctx.client() as monuv:
        if args.noun == "clients":
            call = monuv.block_client if args.action == "block" else monuv.unblock_client
            await call(args.document)
            what = f"client {args.document}"
        else:
            op = monuv.block_user if args.action == "block" else monuv.unblock_user
            await op(args.user_id)
            what = f"user {args.user_id}"
    sys.stdout.write(f"ok: {what} {args.action}ed\n")
    return 0
