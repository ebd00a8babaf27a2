"""The frozen bundle's entry point: `enclave` with the same arguments as from a source checkout."""

import multiprocessing
import sys

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
