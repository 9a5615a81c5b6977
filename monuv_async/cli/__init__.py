"""The ``monuv`` command: the Monuv partner API from a shell.

::

    export MONUV_TOKEN=...            # or: monuv --token-file PATH ...
    monuv events --since 2026-11-01 --until 2026-11-07 --format csv > events.csv
    monuv cameras options
    monuv cameras provision cameras.csv
    monuv clients block 11.222.333/0001-81
    monuv demo                        # everything, against an in-process simulator

The token is never accepted on the command line (other users could read it in
the process list) and never printed: every line this command writes about an
error or a request is passed through the library's redactor as well. Text
from the server reaches the terminal through :func:`.terminal.for_terminal`,
its control characters escaped.

Exit codes: 0 success, 1 an operation failed, 2 bad usage or input,
128+signal interrupted (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), 141 the
reader of stdout went away.

The modules: :mod:`.app` runs a command and maps what it raised to an exit
code; :mod:`.parser` builds the parser; :mod:`.args` holds the argument types,
the shared options and the context a command gets; then one module per
command (:mod:`.events`, :mod:`.admin`, :mod:`.provision` with
:mod:`.columns`, :mod:`.journal` and :mod:`.results`, :mod:`.simulate`),
:mod:`.output` for what they write and :mod:`.terminal` for making server
text safe to show.
"""

from __future__ import annotations

from .app import main, run
from .args import TOKEN_ENV, UsageError
from .parser import build_parser

__all__ = ["TOKEN_ENV", "UsageError", "build_parser", "main", "run"]
