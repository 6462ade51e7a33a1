"""Actions on one phone that both the CLI and the procedures use: one copy of each policy.

- `power`: guarded (identify first) and write-ahead journaled PoE control;
- `restore`: turning back on the ports a dead run left off, from its journal;
- `keys`: key presses with keypad backend fallback;
- `lease_guard`: hands-on commands refuse phones that a live run leases.
"""
