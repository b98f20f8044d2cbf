"""Email over SMTP (smtplib), optionally with STARTTLS or implicit TLS."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from liaison.gateways.errors import PermanentFailure, TemporaryFailure


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    idempotency_key: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, mime type, content)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0


class SmtpEmailGateway:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, email: OutgoingEmail) -> str:
        """Send one email; returns its Message-ID.

        The Message-ID is derived from the idempotency key, so a resend after a crash
        carries the same id and receiving systems that de-duplicate on it drop the copy.
        """
        s = self.settings
        message = EmailMessage()
        message["From"] = s.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        domain = s.sender.rsplit("@", 1)[-1] if "@" in s.sender else "liaison.invalid"
        message["Message-ID"] = make_msgid(
            idstring=email.idempotency_key.replace(":", "."), domain=domain
        )
        message["X-Liaison-Idempotency-Key"] = email.idempotency_key
        message.set_content(email.text)
        for filename, mime, content in email.attachments:
            maintype, _, subtype = mime.partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with client:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}") from exc
            raise TemporaryFailure(f"SMTP {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure("SMTP server unreachable") from exc
        return str(message["Message-ID"])
