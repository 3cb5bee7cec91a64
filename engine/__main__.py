"""`python -m clausewise`: the same command line as the installed `clausewise` script."""

from .cli import main

raise SystemExit(main())
