"""The SMS gateway against a real HTTP server that misbehaves on purpose: what each
provider answer becomes (sent, retry later, give up), and the headers it sends."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from liaison.gateways.errors import PermanentFailure, TemporaryFailure
from liaison.gateways.sms import IDEMPOTENCY_HEADER, HttpSmsGateway, OutgoingSms, SmsSettings


class Provider(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: list[tuple[int, object]] = []
    seen: list[dict[str, object]] = []
    close_after: bool = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Provider.seen.append(
            {"path": self.path, "headers": dict(self.headers), "form": parse_qs(body)}
        )
        status, answer = Provider.script.pop(0) if Provider.script else (201, {"sid": "SM1"})
        if answer == "hang":
            time.sleep(2)
            status, answer = 201, {"sid": "late"}
        content = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        if Provider.close_after:
            self.send_header("Connection", "close")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (the timeout test)
            self.wfile.write(content)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    Provider.script, Provider.seen, Provider.close_after = [], [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/base"
    server.shutdown()
    server.server_close()


def gateway(url: str) -> HttpSmsGateway:
    return HttpSmsGateway(SmsSettings(url, "AC123", "secret-token", timeout_s=0.5))


SMS = OutgoingSms(
    to="+16175551234",
    from_="+16175550100",
    body="Hi",
    idempotency_key="reminder:1:sms",
    status_callback="https://x/cb",
)


def test_a_send_carries_the_twilio_shape_and_the_idempotency_key(provider):
    assert gateway(provider).send(SMS) == "SM1"
    (request,) = Provider.seen
    assert request["path"] == "/base/2010-04-01/Accounts/AC123/Messages.json"
    headers = request["headers"]
    assert headers[IDEMPOTENCY_HEADER] == "reminder:1:sms"
    assert headers["Authorization"] == "Basic QUMxMjM6c2VjcmV0LXRva2Vu"  # AC123:secret-token
    assert request["form"] == {
        "To": ["+16175551234"],
        "From": ["+16175550100"],
        "Body": ["Hi"],
        "StatusCallback": ["https://x/cb"],
    }


def test_one_connection_is_reused_and_a_closed_one_reopened(provider):
    sms = gateway(provider)
    assert [sms.send(SMS) for _ in range(3)] == ["SM1"] * 3
    Provider.close_after = True
    assert [sms.send(SMS) for _ in range(3)] == ["SM1"] * 3
    assert len(Provider.seen) == 6


@pytest.mark.parametrize(
    ("status", "answer", "error", "detail"),
    [
        (500, {"message": "oops"}, TemporaryFailure, "SMS provider HTTP 500"),
        (503, b"<html>down</html>", TemporaryFailure, "SMS provider HTTP 503"),
        (429, {"code": 20429}, TemporaryFailure, "SMS provider HTTP 429"),
        (
            400,
            {"code": 21211, "message": "The 'To' number +16175551234 is not valid"},
            PermanentFailure,
            "SMS provider HTTP 400 code 21211",
        ),
        (401, b"not json", PermanentFailure, "SMS provider HTTP 401 code ?"),
        (201, {"status": "queued"}, TemporaryFailure, "SMS provider answered without a message id"),
        (201, b"[1, 2]", TemporaryFailure, "SMS provider answered without a message id"),
    ],
)
def test_provider_answers_become_retry_or_give_up(provider, status, answer, error, detail):
    Provider.script = [(status, answer)]
    with pytest.raises(error) as caught:
        gateway(provider).send(SMS)
    # The recorded detail never quotes the provider's message (it can hold the number).
    assert caught.value.safe_detail == detail


def test_a_provider_that_hangs_is_a_timeout_to_retry(provider):
    Provider.script = [(201, "hang")]
    with pytest.raises(TemporaryFailure) as caught:
        gateway(provider).send(SMS)
    assert caught.value.safe_detail == "SMS provider timed out"


def test_nobody_listening_is_unreachable():
    with pytest.raises(TemporaryFailure) as caught:
        gateway("http://127.0.0.1:9").send(SMS)
    assert caught.value.safe_detail == "SMS provider unreachable"


def test_a_url_that_is_not_http_is_refused_at_start():
    with pytest.raises(ValueError, match="http"):
        gateway("ftp://provider.example")
