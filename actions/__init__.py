"""Custom actions for the rasa-sdk actions server, one module per feature."""
from bot.log_redaction import install_log_redaction

install_log_redaction()
