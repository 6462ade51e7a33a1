"""`python -m rig` is the same as the `rig` console script."""

from rig.cli import main

main()
