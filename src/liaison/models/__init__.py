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
from liaison.models.patients import (
    CommunicationConsent,
    Patient,
    PatientIdentifier,
    PatientTelecom,
)

__all__ = [
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
