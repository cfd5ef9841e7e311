# tapstack's pretty-printers and commands (scripts/gdb), for gdb started in this directory.
# gdb reads this file only where it is allowed to: add this line to ~/.gdbinit (with the real path)
#   add-auto-load-safe-path /path/to/tapstack/.gdbinit
# or start gdb through scripts/debug, which loads the printers itself.
source scripts/gdb/tapstack.py
