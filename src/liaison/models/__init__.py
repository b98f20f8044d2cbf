"""Every table, in one registry. Import models from here."""

from liaison.models.audit import AuditEvent, AuditHead
from liaison.models.auth import ApiToken, LoginThrottle, Membership, User, UserSession
from liaison.models.base import Base
from liaison.models.directory import (
    Device,
    HealthcareService,
    Location,
    Organization,
    OrganizationHoliday,
    Practitioner,
    PractitionerRole,
    PractitionerRoleService,
)
from liaison.models.idempotency import IdempotencyRecord
from liaison.models.jobs import OutboxMessage
from liaison.models.scheduling import (
    Appointment,
    AppointmentHistory,
    AppointmentParticipant,
    AppointmentSeries,
    AvailabilityRule,
    CalendarFeed,
    Schedule,
    ScheduleBlock,
    ScheduleOverride,
)
from liaison.models.patients import (
    CommunicationConsent,
    Patient,
    PatientIdentifier,
    PatientTelecom,
)

__all__ = [
    "Appointment",
    "AppointmentHistory",
    "AppointmentParticipant",
    "AppointmentSeries",
    "AvailabilityRule",
    "CalendarFeed",
    "IdempotencyRecord",
    "OutboxMessage",
    "Schedule",
    "ScheduleBlock",
    "ScheduleOverride",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "CommunicationConsent",
    "Device",
    "HealthcareService",
    "Location",
    "LoginThrottle",
    "Membership",
    "Organization",
    "OrganizationHoliday",
    "Patient",
    "PatientIdentifier",
    "PatientTelecom",
    "Practitioner",
    "PractitionerRole",
    "PractitionerRoleService",
    "User",
    "UserSession",
]
