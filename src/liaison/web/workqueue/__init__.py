"""Work queue pages: the keyboard-first queue with filters and saved views, one task
beside the patient's messages, the inbox of patients' conversations, the supervisor's
view of queue depth, and each organization's playbook. One module per page family;
``common`` holds what they share."""

from __future__ import annotations

from fastapi import APIRouter

from liaison.web.workqueue.common import register_template_helpers

register_template_helpers()


def routers() -> list[APIRouter]:
    from liaison.web.workqueue import inbox, oversight, queue, task

    # The queue's fixed paths (/queue/supervision, /queue/playbooks ...) come before the
    # task pages so that no path segment is ever read as a task id.
    return [oversight.router, queue.router, task.router, inbox.router]
