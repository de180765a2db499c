"""Names shared by the bot, the actions server and the web apps (env vars too)."""

# environment variables
ENV_LIBRARY_DIR = "GUIDANCE_LIBRARY_DIR"
ENV_REGION_PROFILE = "GUIDANCE_REGION_PROFILE"
ENV_DATABASE_URL = "ASSISTANT_DATABASE_URL"
ENV_WEBCHAT_PORT = "ASSISTANT_WEBCHAT_PORT"
ENV_WEBCHAT_HOST = "ASSISTANT_WEBCHAT_HOST"
ENV_PUBLIC_SOCKET_URL = "ASSISTANT_PUBLIC_SOCKET_URL"
ENV_CHAT_ACK_SECONDS = "ASSISTANT_CHAT_ACK_SECONDS"
ENV_TRUSTED_PROXIES = "ASSISTANT_TRUSTED_PROXIES"  # reverse proxies whose X-Forwarded-Proto/-For the web app believes

# the one limit on a resident's message: every channel, the relay and /model/parse cut the text here
# before any NLU (the web chat's text box holds as much); bot/rasa_internals.py: the resident-text patch
MAX_MESSAGE_CHARS = 2000
# the largest socket.io packet the resident channel accepts (bytes); a bigger one closes the socket
MAX_SOCKET_PACKET_BYTES = 64_000
# the largest request body the Rasa server reads at all (bytes; Sanic's default is 100 MB): room for a
# 1,000,000-character message, which the channel then cuts; a bigger body gets 413 unread
MAX_RASA_REQUEST_BYTES = 1_048_576

# parse data keys (the fixed contract of /model/parse)
GUIDANCE_RANKING = "guidance_ranking"
EMERGENCY = "emergency"
SAFETY = "safety"  # the safety net's verdict on every message: tier, category, layers, score, signal
# What the conversation was about before the latest message, put on the message by the server only
# (bot/rasa_internals.py: the conversation-context patch), never taken from a client: the topic and path
# shown last and the resident's earlier messages; the guidance ranker ranks the message with them too.
TOPIC_SLOT = "topic"              # the conversation's topic: of the path last shown (actions/follow_up.py)
LAST_PATH_SLOT = "last_path_id"   # the path last shown
SUBJECT_SLOT = "subject"          # whom the matter concerns (an audience of the library; None: the resident)
CONVERSATION_CONTEXT = "conversation_context"
GUIDANCE_IN_CONTEXT = "guidance_in_context"  # the ranking of the message read together with the earlier ones
OFF_TOPIC = "off_topic"  # set when the message is plainly not for this service (e.g. about an animal)

# intents
EMERGENCY_INTENT = "emergency"
ACTION_EMERGENCY = "action_emergency"
GENERAL_CATEGORY = "general"  # the answer used when no category is named
UNCERTAIN_TIER = "uncertain"  # the safety net is unsure: ask "Oletko sinä tai joku muu nyt vaarassa?"
# Below this risk-classifier score an ordinary question may go ahead of or with the safety question (the safety
# net's waiver, bot/nlu/safety_net.py; the path below the question, actions/guidance.py); from it the question alone
EASE_SCORE = 0.5
# Safety-net categories asked about more readily than others: suicidal thoughts and self-harm (a rule's weak or
# cued sign is never dropped, a follow-up is asked from 0.5, the line before an eased answer names the crisis line)
ALWAYS_ASKED = ("suicide",)
ACTION_SAFETY_CHECK = "action_safety_check"
SAFETY_OK_INTENT = "safety_ok"  # the resident answered the safety question "Ei ole hätää"
ACTION_SAFETY_OK = "action_safety_ok"
SAFETY_PENDING_SLOT = "safety_pending"  # the question asked when the safety question came, answered after "Ei ole hätää"
EMERGENCY_CATEGORY_ENTITY = "emergency_category"  # "Kyllä, soita 112": the category the safety net guessed

# slots
ASSESSMENT_SLOT = "assessment"  # the self-assessment in progress (None when there is none)
ACTION_ASSESSMENT = "action_assessment"
CONTACT_FORM_SLOT = "contact_form"  # the contact-request form or status check in progress (None when none)
ACTION_CONTACT_REQUEST = "action_contact_request"
IDENTITY_SLOT = "identity"  # {"code", "name"} once the resident has identified strongly (None when anonymous)

# strong identification (SAML 2.0 service provider in the web app; token checked by the socket.io channel)
ENV_PUBLIC_URL = "ASSISTANT_PUBLIC_URL"                # the web app's address as browsers see it
ENV_RASA_URL = "RASA_URL"                              # the Rasa server, for the web app's relay calls
ENV_SESSION_SECRET = "ASSISTANT_SESSION_SECRET"        # HS256 key of identified-session tokens
ENV_IDENTIFIED_MINUTES = "ASSISTANT_IDENTIFIED_SESSION_MINUTES"
ENV_TEST_IDP = "ASSISTANT_TEST_IDP"                    # 1: the local test identity provider (never in production)
ENV_SAML_IDP_METADATA = "ASSISTANT_SAML_IDP_METADATA"  # the identity provider's metadata file (Suomi.fi's)
ENV_SAML_SP_KEY = "ASSISTANT_SAML_SP_KEY"              # the service provider's private key (PEM file)
ENV_SAML_SP_CERT = "ASSISTANT_SAML_SP_CERT"            # and its certificate
ENV_SAML_SP_ENTITY_ID = "ASSISTANT_SAML_SP_ENTITY_ID"  # default: {public url}/auth/metadata

# live handoff (the queue, the console and the relay between the web app and the Rasa server)
HANDOFF_SLOT = "handoff"  # {"id", "status": waiting|taken, "name"} while queued or held (None otherwise)
ACTION_REQUEST_HUMAN = "action_request_human"
ACTION_HANDOFF_WAITING = "action_handoff_waiting"
ENV_INTERNAL_TOKEN = "ASSISTANT_INTERNAL_TOKEN"        # shared secret of the relay routes (var/ if unset)
ENV_ACTIONS_TOKEN = "ASSISTANT_ACTIONS_TOKEN"          # shared secret Rasa -> actions server (endpoint.yml)
ACTIONS_TOKEN_HEADER = "X-Actions-Token"               # the header that carries it
ENV_ACTIONS_HOST = "ASSISTANT_ACTIONS_HOST"            # the actions server's interface (default 127.0.0.1)
ENV_HANDOFF_WAIT_SECONDS = "ASSISTANT_HANDOFF_WAIT_SECONDS"
ENV_HANDOFF_HEARTBEAT_SECONDS = "ASSISTANT_HANDOFF_HEARTBEAT_SECONDS"
ENV_HANDOFF_ALWAYS_OPEN = "ASSISTANT_HANDOFF_ALWAYS_OPEN"  # 1: the live queue ignores office hours

# privacy operations: retention periods, the tracker store the retention and erasure reach
ENV_TRACKER_URL = "ASSISTANT_TRACKER_URL"              # SQLAlchemy URL of Rasa's tracker store (default: TRACKER_DB)
ENV_TRACKER_DB = "TRACKER_DB"                          # the embedded SQLite tracker file (endpoint.yml)
ENV_TRANSCRIPT_DAYS = "ASSISTANT_TRANSCRIPT_RETENTION_DAYS"            # anonymous conversations
ENV_IDENTIFIED_TRANSCRIPT_DAYS = "ASSISTANT_IDENTIFIED_TRANSCRIPT_RETENTION_DAYS"
ENV_ANALYTICS_DAYS = "ASSISTANT_ANALYTICS_RETENTION_DAYS"
ENV_RETENTION_INTERVAL_HOURS = "ASSISTANT_RETENTION_INTERVAL_HOURS"    # 0: the web app never runs it itself

# the identified resident's own space (issue 18): the person keys and the notifications
ENV_PERSON_KEY_SECRET = "ASSISTANT_PERSON_KEY_SECRET"  # HMAC key of the person keys: never changed (var/ if unset)
ENV_SMTP_HOST = "ASSISTANT_SMTP_HOST"                  # the SMTP server (unset: no e-mail notifications)
ENV_SMTP_PORT = "ASSISTANT_SMTP_PORT"
ENV_SMTP_FROM = "ASSISTANT_SMTP_FROM"
ENV_SMTP_STARTTLS = "ASSISTANT_SMTP_STARTTLS"
ENV_SMTP_USERNAME = "ASSISTANT_SMTP_USERNAME"
ENV_SMTP_PASSWORD = "ASSISTANT_SMTP_PASSWORD"
ENV_SMS_URL = "ASSISTANT_SMS_GATEWAY_URL"              # the SMS gateway (unset: no SMS notifications)
ENV_SMS_TOKEN = "ASSISTANT_SMS_GATEWAY_TOKEN"
ENV_NOTIFY_READ_URL = "ASSISTANT_NOTIFY_READ_URL"
ENV_NOTIFY_MAX_ATTEMPTS = "ASSISTANT_NOTIFY_MAX_ATTEMPTS"
ENV_NOTIFY_INTERVAL = "ASSISTANT_NOTIFY_INTERVAL_SECONDS"  # the web app's delivery runs (0: off)
