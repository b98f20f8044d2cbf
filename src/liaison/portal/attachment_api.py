"""Staff download of a file a patient attached to a portal message.

``GET /api/v1/attachments/{attachment_id}``: for anyone who may read the patient's
record (PATIENT_READ) in the attachment's organization; another organization's file is
404. Always a download (``Content-Disposition: attachment``) with the type found when the
file was checked and ``nosniff``, so a browser never runs what a patient uploaded.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from liaison.auth.dependencies import patient_data
from liaison.models import Attachment
from liaison.portal import messages

api_router = APIRouter(prefix="/api/v1", tags=["portal"])
Reading = patient_data("read", "Attachment", "attachment_id")


def disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one (RFC 6266/5987)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(attachment: Attachment) -> Response:
    return Response(
        attachment.data,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": disposition(attachment.filename),
            "Cache-Control": "private, no-store",
            # Opened on its own, the file gets no script and no origin.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        },
    )


@api_router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {
            "content": {t: {} for t in messages.TYPES},
            "description": "The file, as a download",
        }
    },
)
def download(attachment_id: uuid.UUID, ctx: Reading) -> Response:  # type: ignore[valid-type]
    """A file a patient attached to a portal message (an image or a PDF)."""
    return file_response(messages.attachment_for_staff(ctx, attachment_id))
