"""python -m data build --from DIR [--db PATH] | build --demo | demo"""

import sys

from data.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
