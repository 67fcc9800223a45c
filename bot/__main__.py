"""`python -m bot …` is the same as `citybot …`."""

from bot.cli import main

raise SystemExit(main())
