"""Custom actions for the rasa-sdk actions server, one module per feature."""
