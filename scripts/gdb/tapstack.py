"""gdb support for tapstack: source this file (gdb -x scripts/gdb/tapstack.py, or the repository's
.gdbinit, or scripts/debug) to get pretty-printers for the TCB, sequence numbers, segments,
frames, instants and timers and the TCP socket table, and the commands tcp-connections and
tcp-tcb. The code lives in tapstack_gdb/ beside this file, one concept per module.
"""

import os
import sys

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# No __pycache__ beside the sources in the work tree.
sys.dont_write_bytecode = True

import tapstack_gdb.commands  # noqa: E402  (needs the path above)
import tapstack_gdb.printers  # noqa: E402


def _register_on(objfile):
    """Printers go on the program's objfile so that they win over libstdc++'s."""
    if objfile.filename == gdb.current_progspace().filename:
        tapstack_gdb.printers.register(objfile)


def _on_new_objfile(event):
    _register_on(event.new_objfile)


for _objfile in gdb.objfiles():
    _register_on(_objfile)
# Also when the program is loaded after this script (gdb -x tapstack.py, then `file PROGRAM`).
gdb.events.new_objfile.connect(_on_new_objfile)
tapstack_gdb.commands.register()
