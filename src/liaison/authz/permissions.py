"""The permission catalog and what each role is granted.

Checks name a ``Permission`` member, never a string, so a typo is an import error and
``grep Permission.PATIENT_WRITE`` finds every place that needs it.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    PATIENT_READ = "patient:read"
    PATIENT_WRITE = "patient:write"
    DIRECTORY_READ = "directory:read"
    DIRECTORY_WRITE = "directory:write"
    ORGANIZATION_CREATE = "organization:create"
    USER_READ = "user:read"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    # Appointments name a patient: reading them is reading patient data.
    APPOINTMENT_READ = "appointment:read"
    APPOINTMENT_WRITE = "appointment:write"
    # Availability templates, date overrides, blocks, calendar feeds.
    SCHEDULE_MANAGE = "schedule:manage"
    STAFFING_READ = "staffing:read"
    STAFFING_WRITE = "staffing:write"
    # The work queue and inbox: tasks name patients and carry their messages.
    TASK_READ = "task:read"
    TASK_WRITE = "task:write"
    # Response-time targets, routing rules, teams and playbooks of an organization.
    QUEUE_MANAGE = "queue:manage"


class Role(StrEnum):
    """Roles held in one organization (a membership)."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    PRACTITIONER = "practitioner"
    PATIENT = "patient"


class PlatformRole(StrEnum):
    """Roles across all organizations. Neither reads patient records."""

    OPERATOR = "operator"
    STAFFING_MANAGER = "staffing_manager"


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            P.PATIENT_READ,
            P.PATIENT_WRITE,
            P.DIRECTORY_READ,
            P.DIRECTORY_WRITE,
            P.USER_READ,
            P.USER_MANAGE,
            P.AUDIT_READ,
            P.APPOINTMENT_READ,
            P.APPOINTMENT_WRITE,
            P.SCHEDULE_MANAGE,
            # The staffing of their own organization (openings, placements, account
            # health), read-only; scoping keeps it to their organizations.
            P.STAFFING_READ,
            P.TASK_READ,
            P.TASK_WRITE,
            P.QUEUE_MANAGE,
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            P.TASK_READ,
            P.TASK_WRITE,
            P.PATIENT_READ,
            P.PATIENT_WRITE,
            P.DIRECTORY_READ,
            P.USER_READ,
            P.APPOINTMENT_READ,
            P.APPOINTMENT_WRITE,
        }
    ),
    Role.PRACTITIONER: frozenset({P.PATIENT_READ, P.DIRECTORY_READ, P.APPOINTMENT_READ}),
    # A patient reaches only their own record, through the portal's own checks; no
    # organization-wide permission.
    Role.PATIENT: frozenset(),
}

PLATFORM_PERMISSIONS: dict[PlatformRole, frozenset[Permission]] = {
    PlatformRole.OPERATOR: frozenset(
        {
            P.ORGANIZATION_CREATE,
            P.DIRECTORY_READ,
            P.DIRECTORY_WRITE,
            P.USER_READ,
            P.USER_MANAGE,
            P.AUDIT_READ,
        }
    ),
    PlatformRole.STAFFING_MANAGER: frozenset(
        {P.DIRECTORY_READ, P.USER_READ, P.STAFFING_READ, P.STAFFING_WRITE}
    ),
}

# Permissions no platform role may ever hold, whatever the tables above say.
PATIENT_DATA = frozenset(
    {
        P.PATIENT_READ,
        P.PATIENT_WRITE,
        P.APPOINTMENT_READ,
        P.APPOINTMENT_WRITE,
        P.TASK_READ,
        P.TASK_WRITE,
    }
)
assert not any(perms & PATIENT_DATA for perms in PLATFORM_PERMISSIONS.values())
