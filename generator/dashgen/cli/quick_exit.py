"""Ending the process as soon as a command that leaves nothing to finalise has returned.

After a large build the interpreter's own teardown (a full garbage collection, then
clearing every module, grafanalib's hundreds of classes included) costs more than many
sources take to compile. A command whose open files are all closed and whose workers have
ended (``build``) says so with ``allow()``; the process entry points (``python -m dashgen``,
the ``dashgen`` script) then flush stdout and stderr and end with the command's exit code,
skipping the teardown; ``publish`` does once its orgs' sessions (clients, threads) are
closed. Other commands (watch's and preview's servers) keep the ordinary exit, finalisers
included. In-process callers (tests'
``CliRunner``) never reach the entry points, so nothing changes for them.
"""

from __future__ import annotations

import os
import sys

from dashgen.cli import main

_allowed = False


def allow() -> None:
    """The running command has closed everything it opened: it may end the process."""
    global _allowed
    _allowed = True


def run() -> None:
    """The CLI as a process (the ``dashgen`` script and ``python -m dashgen``)."""
    try:
        main()
    except SystemExit as exit_request:
        if not _allowed:
            raise
        status = exit_request.code
        if status is not None and not isinstance(status, int):
            print(status, file=sys.stderr)  # what SystemExit("message") would have printed
            status = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed pipe: the ordinary exit could not write to it either
        os._exit(status or 0)
