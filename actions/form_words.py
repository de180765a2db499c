"""The words that cancel, skip or stop a conversation task, in one place.

A resident ends or steers a task (the contact-request form, the self-assessment, the queue for a
human) in their own words as well as by button. Each task reads its words here, so a word added for
one task is seen next to the others' and the tasks stay alike. The words are folded (lower case,
no diacritics: `guidance_library.instruments.fold`) as the messages are before they are compared.
"""
from __future__ import annotations

from guidance_library.instruments import fold

# Leave the contact-request form or the status check; a message that begins with one of these
# (whole words: "peru" and "peru se" cancel, "perua aika" and "perustoimeentulo" are answers).
CONTACT_CANCEL = ("peruuta", "peru", "lopeta", "keskeyta", "en halua jattaa", "en haluakaan", "unohda")
# Leave the resident's own words out of a request made after a self-assessment; the whole message.
CONTACT_SKIP = ("ohita", "ohitetaan", "ei", "ei muuta", "ei lisattavaa", "en halua kertoa", "ei mitaan", "ei oo")
# Stop a self-assessment; a message that begins with one of these.
ASSESSMENT_STOP = ("lopeta", "lopetetaan", "keskeyta", "en halua jatkaa", "en jaksa", "stop", "riittaa")
# Leave the queue for a human in the chat; the whole message.
QUEUE_LEAVE = ("peruuta", "peru", "lopeta", "en jaksa odottaa", "en halua odottaa", "poistu jonosta", "unohda")


def begins_with_one(text: str, words: tuple[str, ...]) -> bool:
    """Whether the message begins with one of `words` as whole words ("lopeta nyt" stops; "en lopeta"
    does not, nor does "lopetan tupakoinnin", an answer that only begins with the same letters)."""
    folded = fold(text).strip()
    return any(folded == word or (folded.startswith(word) and not folded[len(word)].isalnum())
               for word in words)


def is_one_of(text: str, words: tuple[str, ...]) -> bool:
    """Whether the whole message is one of `words`, give or take a full stop or an exclamation mark:
    for short words ("ei") that begin many real answers."""
    return fold(text).strip(" .!") in words
