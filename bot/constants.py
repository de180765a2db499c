"""Names shared by the bot, the actions server and the web apps (env vars too)."""

# environment variables
ENV_LIBRARY_DIR = "GUIDANCE_LIBRARY_DIR"
ENV_REGION_PROFILE = "GUIDANCE_REGION_PROFILE"
ENV_DATABASE_URL = "ASSISTANT_DATABASE_URL"
ENV_WEBCHAT_PORT = "ASSISTANT_WEBCHAT_PORT"
ENV_WEBCHAT_HOST = "ASSISTANT_WEBCHAT_HOST"
ENV_PUBLIC_SOCKET_URL = "ASSISTANT_PUBLIC_SOCKET_URL"

# parse data keys (the fixed contract of /model/parse)
GUIDANCE_RANKING = "guidance_ranking"
EMERGENCY = "emergency"
OFF_TOPIC = "off_topic"  # set when the message is plainly not for this service (e.g. about an animal)

# intents
EMERGENCY_INTENT = "emergency"
ACTION_EMERGENCY = "action_emergency"
GENERAL_CATEGORY = "general"  # the answer used when no category is named

# slots
ASSESSMENT_SLOT = "assessment"  # the self-assessment in progress (None when there is none)
ACTION_ASSESSMENT = "action_assessment"
CONTACT_FORM_SLOT = "contact_form"  # the contact-request form or status check in progress (None when none)
ACTION_CONTACT_REQUEST = "action_contact_request"
IDENTITY_SLOT = "identity"  # {"code", "name"} once the resident has identified strongly (None when anonymous)
