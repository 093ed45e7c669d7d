"""`python -m desktop`: the same as the `spendtrail` launcher."""

from desktop.cli import main

raise SystemExit(main())
