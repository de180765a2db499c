"""Custom Rasa graph components (imported by Rasa when it loads the model).

Importing them changes nothing: each one's `create` (and `load`) installs our Rasa patches
(`bot.rasa_internals.install`, once per process) when Rasa builds it.
"""
