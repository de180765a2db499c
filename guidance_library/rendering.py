"""A guidance path as residents see it: placeholders filled, signs and contacts listed."""
from __future__ import annotations

from dataclasses import dataclass

from guidance_library.models import Contact, GuidanceLibrary, GuidancePath, Link
from guidance_library.placeholders import render

URGENT_HEADING = "Milloin apua tarvitaan heti:"
CONTACTS_HEADING = "Yhteystiedot:"


@dataclass(frozen=True)
class RenderedPath:
    """Resident-facing text of one path, plus its links and contacts as data."""

    path_id: str
    topic: str
    title: str
    text: str
    links: tuple[Link, ...]
    contacts: tuple[Contact, ...]

    def as_text(self) -> str:
        """Plain text with links written out (for previews and text-only channels)."""
        lines = [self.text]
        if self.links:
            lines.append("Linkit:\n" + "\n".join(f"- {link.name}: {link.url}" for link in self.links))
        return "\n\n".join(lines)


def contact_line(contact: Contact) -> str:
    """One contact as one line of text."""
    parts = [contact.name]
    if contact.phone:
        parts.append(f"puh. {contact.phone}")
    if contact.hours:
        parts.append(f"({contact.hours})")
    if not contact.phone and contact.url:
        parts.append(contact.url)
    if contact.email:
        parts.append(contact.email)
    return " ".join(parts)


def render_path(path: GuidancePath, library: GuidanceLibrary) -> RenderedPath:
    """Fill the placeholders of a path from the library's region profile."""
    scope = library.profile.placeholder_scope(library.national_contacts)
    title = render(path.title, scope)
    blocks = [title, render(path.answer, scope)]
    if path.urgent_signs:
        blocks.append(URGENT_HEADING + "\n" + "\n".join(f"- {render(s, scope)}" for s in path.urgent_signs))
    contacts = tuple(c for c in (library.contact(key) for key in path.contacts) if c is not None)
    phone_contacts = [c for c in contacts if c.phone or c.email]
    if phone_contacts:
        blocks.append(CONTACTS_HEADING + "\n" + "\n".join(f"- {contact_line(c)}" for c in phone_contacts))
    links = tuple(Link(render(link.name, scope), render(link.url, scope)) for link in path.links)
    web_contacts = tuple(Link(c.name, c.url) for c in contacts if c.url and not (c.phone or c.email))
    seen = {link.url for link in links}
    links += tuple(link for link in web_contacts if link.url not in seen)
    return RenderedPath(path.id, path.topic, title, "\n\n".join(blocks), links, contacts)
