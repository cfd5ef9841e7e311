"""gdb support for tapstack: pretty-printers that show TCP as the RFCs write it, and commands.

Loaded by scripts/gdb/tapstack.py (which the repository's .gdbinit and scripts/debug source).
Each module holds one concept: stdlib reads libstdc++ containers, clock finds "now" and prints
instants, seq makes sequence numbers relative, wire decodes addresses, segments and frames, tcb
and table summarise connections, printers and commands are what gdb sees.
"""
