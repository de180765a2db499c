"""Custom actions for the rasa-sdk actions server, one module per feature.

Importing the package changes nothing; the actions server (actions/server.py) installs the log
redaction before rasa-sdk imports these modules.
"""
