"""Gongkai command line: `python build.py --help`. The work is done in the gongkai package."""

import sys

from gongkai.cli import main

if __name__ == "__main__":
    sys.exit(main())
