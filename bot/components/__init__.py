"""Custom Rasa graph components (imported by Rasa when it loads the model)."""
from bot.log_redaction import install_log_redaction
from bot.rasa_patches import install_action_validation_fix, install_conversation_context, install_resident_text

install_action_validation_fix()
install_resident_text()
install_conversation_context()
install_log_redaction()
