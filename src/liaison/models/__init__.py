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
from liaison.models.jobs import JobSchedule, OutboxMessage
from liaison.models.messaging import Communication, MessageTemplate, SurveyResponse
from liaison.models.waitlist import WaitlistEntry, WaitlistOffer
from liaison.models.patients import (
    CommunicationConsent,
    Patient,
    PatientIdentifier,
    PatientTelecom,
)
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
from liaison.models.staffing import (
    Assessment,
    AssessmentAttempt,
    ClientCourseRequirement,
    CoachingTask,
    Coordinator,
    CoordinatorCertification,
    Course,
    CourseModule,
    Enrollment,
    Opening,
    Placement,
    QualityReview,
    SatisfactionScore,
)

__all__ = [
    "Assessment",
    "AssessmentAttempt",
    "ClientCourseRequirement",
    "CoachingTask",
    "Coordinator",
    "CoordinatorCertification",
    "Course",
    "CourseModule",
    "Enrollment",
    "Opening",
    "Placement",
    "QualityReview",
    "SatisfactionScore",
    "Communication",
    "JobSchedule",
    "MessageTemplate",
    "SurveyResponse",
    "WaitlistEntry",
    "WaitlistOffer",
    "ApiToken",
    "Appointment",
    "AppointmentHistory",
    "AppointmentParticipant",
    "AppointmentSeries",
    "AuditEvent",
    "AuditHead",
    "AvailabilityRule",
    "Base",
    "CalendarFeed",
    "CommunicationConsent",
    "Device",
    "HealthcareService",
    "IdempotencyRecord",
    "Location",
    "LoginThrottle",
    "Membership",
    "Organization",
    "OrganizationHoliday",
    "OutboxMessage",
    "Patient",
    "PatientIdentifier",
    "PatientTelecom",
    "Practitioner",
    "PractitionerRole",
    "PractitionerRoleService",
    "Schedule",
    "ScheduleBlock",
    "ScheduleOverride",
    "User",
    "UserSession",
]
