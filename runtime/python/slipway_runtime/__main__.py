"""`python3 -m slipway_runtime`: see slipway_runtime.main for arguments and exit codes."""
import sys

from slipway_runtime.main import main

if __name__ == "__main__":
    sys.exit(main())
