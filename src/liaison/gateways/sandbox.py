"""A local SMS provider with Twilio's REST shape, for the demo and the tests.

It accepts messages (de-duplicating on the idempotency token, as a real provider
that honours it would), keeps them in its own SQLite file, sends signed delivery
receipts to the message's StatusCallback, and lets a person simulate a patient's reply,
which it posts, signed, to Liaison's inbound webhook. It counts every send attempt per
idempotency token, so tests can check "delivered exactly once".

Test numbers: a destination ending in 0000 is rejected as invalid (Twilio error
21211); one ending in 9999 is accepted and later reported as failed.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import httpx2 as httpx
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import JSONResponse

from liaison.gateways import signing
from liaison.gateways.sms import IDEMPOTENCY_HEADER

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    sid TEXT PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    status_callback TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reply (
    sid TEXT PRIMARY KEY, from_number TEXT, to_number TEXT, body TEXT, created_at REAL
);
"""


class SandboxStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # A sandbox, not a ledger: no fsync per message (WAL keeps it consistent).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)

    def accept(
        self, key: str | None, to: str, from_: str, body: str, callback: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Store a message, or find the one sent with the same key. (row, is_new)."""
        with self._lock:
            if key:
                row = self._conn.execute(
                    "SELECT sid, to_number, from_number, body, status FROM message"
                    " WHERE idempotency_key = ?",
                    (key,),
                ).fetchone()
                if row is not None:
                    self._conn.execute(
                        "UPDATE message SET attempts = attempts + 1 WHERE sid = ?", (row[0],)
                    )
                    return _as_dict(row), False
            sid = "SM" + uuid.uuid4().hex
            status = "queued"
            self._conn.execute(
                "INSERT INTO message (sid, idempotency_key, to_number, from_number, body, status,"
                " status_callback, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, key, to, from_, body, status, callback, time.time()),
            )
            return {"sid": sid, "to": to, "from": from_, "body": body, "status": status}, True

    def set_status(self, sid: str, status: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE message SET status = ? WHERE sid = ?", (status, sid))

    def messages(self, to: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with self._lock:
            sql = "SELECT sid, to_number, from_number, body, status FROM message"
            args: tuple[Any, ...] = ()
            if to:
                sql += " WHERE to_number = ?"
                args = (to,)
            rows = self._conn.execute(
                sql + " ORDER BY created_at DESC LIMIT ?", (*args, limit)
            ).fetchall()
        return [_as_dict(r) for r in rows]

    def stats(self) -> dict[str, int]:
        """Messages stored, and send attempts beyond the first (duplicates absorbed)."""
        with self._lock:
            count, extra = self._conn.execute(
                "SELECT count(*), coalesce(sum(attempts - 1), 0) FROM message"
            ).fetchone()
        return {"messages": int(count), "repeated_attempts": int(extra)}


def _as_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"sid": row[0], "to": row[1], "from": row[2], "body": row[3], "status": row[4]}


class Callbacks:
    """Posts signed webhooks from a background thread (like a provider would)."""

    def __init__(self, auth_token: str, delay_s: float = 0.2) -> None:
        self.auth_token = auth_token
        self.delay_s = delay_s
        self._queue: queue.Queue[tuple[str, dict[str, str]]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sandbox-callbacks")
        self._thread.start()

    def post(self, url: str, params: dict[str, str]) -> None:
        self._queue.put((url, params))

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                url, params = self._queue.get()
                time.sleep(self.delay_s)
                headers = {signing.HEADER: signing.sign(self.auth_token, url, params)}
                for _ in range(3):
                    try:
                        client.post(url, data=params, headers=headers)
                        break
                    except httpx.HTTPError:
                        time.sleep(1)


def create_sandbox(
    store: SandboxStore,
    *,
    account_sid: str,
    auth_token: str,
    inbound_url: str | None,
    callbacks: Callbacks | None = None,
    receipts: bool = True,
) -> FastAPI:
    app = FastAPI(title="Liaison SMS sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    poster = callbacks or Callbacks(auth_token)

    expected_auth = (
        "Basic " + __import__("base64").b64encode(f"{account_sid}:{auth_token}".encode()).decode()
    )

    async def send(request: Request) -> JSONResponse:
        """Twilio's Messages.json. A plain Starlette route: this is the hot path of the
        dispatch benchmark, and FastAPI's form machinery costs more than the work."""
        if request.headers.get("authorization") != expected_auth:
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        if request.path_params["sid"] != account_sid:
            return JSONResponse({"code": 20404, "message": "unknown account"}, status_code=404)
        form = {
            k: v[-1]
            for k, v in parse_qs((await request.body()).decode(), keep_blank_values=True).items()
        }
        to, from_, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not to or not from_ or len(body) > 1600:
            return JSONResponse(
                {"code": 21604, "message": "To, From and Body are required"}, status_code=400
            )
        if to.endswith("0000"):
            return JSONResponse(
                {"code": 21211, "message": "The 'To' number is not a valid phone number."},
                status_code=400,
            )
        callback = form.get("StatusCallback")
        row, new = store.accept(request.headers.get(IDEMPOTENCY_HEADER), to, from_, body, callback)
        if new and callback and receipts:
            final = "failed" if to.endswith("9999") else "delivered"
            store.set_status(row["sid"], final)
            poster.post(callback, {"MessageSid": row["sid"], "MessageStatus": "sent", "To": to})
            poster.post(callback, {"MessageSid": row["sid"], "MessageStatus": final, "To": to})
        return JSONResponse(
            {
                "sid": row["sid"],
                "status": row["status"],
                "to": row["to"],
                "from": row["from"],
                "body": row["body"],
            },
            status_code=201,
        )

    app.router.add_route("/2010-04-01/Accounts/{sid}/Messages.json", send, methods=["POST"])

    @app.get("/messages")
    def messages(to: str | None = None) -> list[dict[str, Any]]:
        return store.messages(to)

    @app.get("/stats")
    def stats() -> dict[str, int]:
        return store.stats()

    @app.post("/replies", status_code=202)
    def simulate_reply(
        From: Annotated[str, Form()],
        To: Annotated[str, Form()],
        Body: Annotated[str, Form(max_length=1600)],
    ) -> dict[str, str]:
        """A patient answers: the sandbox posts it, signed, to Liaison's inbound webhook."""
        if not inbound_url:
            raise HTTPException(409, "no inbound webhook configured")
        sid = "SM" + uuid.uuid4().hex
        poster.post(inbound_url, {"MessageSid": sid, "From": From, "To": To, "Body": Body})
        return {"sid": sid}

    return app
