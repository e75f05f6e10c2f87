"""The `jewelcrime` command's entry point.

For `jewelcrime export`, Chromium starts before the command line's own imports (pandas, SQLAlchemy, the
formats and the dashboard: about 1.5 s), so the browser's start (about 1 s) overlaps them instead of
following them. dashboard.graphics.browser imports nothing heavy, and nothing starts for other commands.
"""
from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["export"] and not {"--help", "-h"} & set(sys.argv):
        from dashboard.graphics import browser

        browser.shared().warm()
    from dashboard.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
