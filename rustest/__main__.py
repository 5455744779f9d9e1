"""``python -m rustest``."""

import sys

from rustest._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
