"""``fsp``: the desktop app's entry point."""

from __future__ import annotations

import sys


def main() -> int:
    # The desktop window is built in its own issue; until it lands, say so and point at what works.
    print(
        "The desktop app is not part of this build yet.\n"
        "See what the product decides today with:  fsp-sync weather demo",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
