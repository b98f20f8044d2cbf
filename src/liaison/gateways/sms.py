"""SMS through an HTTP provider with Twilio's REST shape.

``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with form fields To, From,
Body and StatusCallback, HTTP basic auth (account sid, auth token), and the
``I-Twilio-Idempotency-Token`` header: a provider that honours it answers a repeated
send with the first result instead of sending again. The sandbox provider
(``gateways.sandbox``) speaks the same shape, so the demo and the tests exercise the
real HTTP path.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import threading
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urlencode, urlsplit

from liaison.gateways.errors import PermanentFailure, TemporaryFailure

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    from_: str
    body: str
    idempotency_key: str
    status_callback: str | None = None


class SmsGateway(Protocol):
    def send(self, sms: OutgoingSms) -> str: ...


@dataclass(frozen=True)
class SmsSettings:
    base_url: str
    account_sid: str
    auth_token: str
    timeout_s: float = 10.0


class HttpSmsGateway:
    """Twilio's REST shape over one keep-alive connection per sending thread.

    Built on the standard library's ``http.client``: a send is a single small POST, and
    a general-purpose client's per-request machinery cost more CPU than the send itself
    at thousands of messages a second.
    """

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings
        url = urlsplit(settings.base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError("SMS provider URL must be http(s)://host[:port][/path]")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port
        account = quote(settings.account_sid)
        self._path = f"{url.path.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        token = base64.b64encode(f"{settings.account_sid}:{settings.auth_token}".encode()).decode()
        self._headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": "liaison-sms",
        }
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host,
                    self._port,
                    timeout=self.settings.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.settings.timeout_s
                )
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _post(self, body: str, key: str) -> tuple[int, bytes]:
        headers = {**self._headers, IDEMPOTENCY_HEADER: key}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self._path, body=body.encode(), headers=headers)
                response = conn.getresponse()
                content = response.read()
                if response.will_close:
                    self._drop()
                return response.status, content
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                # The provider closed an idle keep-alive connection: reconnect once. The
                # idempotency key makes a repeat safe if the first request did arrive.
                self._drop()
                if attempt == 2:
                    raise TemporaryFailure("SMS provider closed the connection") from exc
            except TimeoutError as exc:
                self._drop()
                raise TemporaryFailure("SMS provider timed out") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                raise TemporaryFailure("SMS provider unreachable") from exc
        raise AssertionError("unreachable")

    def send(self, sms: OutgoingSms) -> str:
        data = {"To": sms.to, "From": sms.from_, "Body": sms.body}
        if sms.status_callback:
            data["StatusCallback"] = sms.status_callback
        status, content = self._post(urlencode(data), sms.idempotency_key)
        if status in (200, 201):
            sid = _json(content).get("sid")
            if not sid:
                raise TemporaryFailure("SMS provider answered without a message id")
            return str(sid)
        if status == 429 or status >= 500:
            raise TemporaryFailure(f"SMS provider HTTP {status}")
        raise PermanentFailure(f"SMS provider HTTP {status} code {_json(content).get('code', '?')}")


def _json(content: bytes) -> dict[str, object]:
    try:
        found = json.loads(content)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
