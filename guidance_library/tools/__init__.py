"""The content editors' tools: the `guidance` command (cli), the reachability and conflict
measures (quality) and the PTV import (ptv).

They sit apart from the library's core (models, loader, validation, rendering ...) because they
lean on the bot's retrieval and Finnish analyser and on the actions' database, while the core
imports nothing of `bot` or `actions`: the bot and the actions server read the library through
the core, and the tools reach into both.
"""
