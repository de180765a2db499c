"""`python -m guidance_library` = the `guidance` command."""
import sys

from guidance_library.tools.cli import main

sys.exit(main())
