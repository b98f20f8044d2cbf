"""What the messaging pages share: the words for channels, kinds and statuses."""

from __future__ import annotations

from liaison.web.templating import templates

CHANNELS = {
    "sms": "Text message",
    "email": "E-mail",
    "portal": "Patient portal",
    "voice": "Phone call",
}
# A one-off message goes where the patient agreed to be reached, or where the desk says.
SEND_CHANNELS = [
    ("", "Automatic (the patient's consented channels)"),
    ("sms", "Text message (SMS)"),
    ("email", "E-mail"),
    ("portal", "Patient portal"),
]
KINDS = {
    "reminder": "Appointment reminder",
    "confirmation": "Booking confirmation",
    "cancellation": "Cancellation",
    "rescheduled": "Appointment moved",
    "no-show": "Missed appointment",
    "follow-up": "Visit follow-up (survey)",
    "waitlist-offer": "Waitlist offer",
    "waitlist-taken": "Waitlist: time taken",
    "recall": "Recall",
    "broadcast": "Broadcast (closure)",
    "help": "Reply to HELP",
    "stopped": "Reply to STOP",
    "started": "Reply to START",
    "reply-confirmed": "Reply: visit confirmed",
    "reply-cancelled": "Reply: visit cancelled",
    "reply-reschedule": "Reply: reschedule",
    "survey-thanks": "Reply: survey thanks",
    "message": "Message",
    "keyword-reply": "Keyword reply",
    "safety": "Safety message",
    "portal-code": "Portal sign-in code",
}
# Communication statuses as the desk says them, and the badge tone of each.
STATUSES = {
    "queued": ("queued", "warn"),
    "sent": ("sent", ""),
    "delivered": ("delivered", "ok"),
    "received": ("received", "ok"),
    "failed": ("failed", "danger"),
    "bounced": ("bounced", "danger"),
    "skipped": ("not sent", "danger"),
}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("-", " ").capitalize())


templates.env.globals["MESSAGE_KINDS"] = KINDS
templates.env.globals["MESSAGE_STATUSES"] = STATUSES
templates.env.globals["MESSAGE_CHANNELS"] = CHANNELS
templates.env.filters["message_kind"] = kind_label
