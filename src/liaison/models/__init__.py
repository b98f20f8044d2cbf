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
from liaison.models.waitlist import WaitlistEntry, WaitlistOffer

__all__ = [
    "ApiToken",
    "Appointment",
    "AppointmentHistory",
    "AppointmentParticipant",
    "AppointmentSeries",
    "Assessment",
    "AssessmentAttempt",
    "AuditEvent",
    "AuditHead",
    "AvailabilityRule",
    "Base",
    "CalendarFeed",
    "ClientCourseRequirement",
    "CoachingTask",
    "Communication",
    "CommunicationConsent",
    "Coordinator",
    "CoordinatorCertification",
    "Course",
    "CourseModule",
    "Device",
    "Enrollment",
    "HealthcareService",
    "IdempotencyRecord",
    "JobSchedule",
    "Location",
    "LoginThrottle",
    "Membership",
    "MessageTemplate",
    "Opening",
    "Organization",
    "OrganizationHoliday",
    "OutboxMessage",
    "Patient",
    "PatientIdentifier",
    "PatientTelecom",
    "Placement",
    "Practitioner",
    "PractitionerRole",
    "PractitionerRoleService",
    "QualityReview",
    "SatisfactionScore",
    "Schedule",
    "ScheduleBlock",
    "ScheduleOverride",
    "SurveyResponse",
    "User",
    "UserSession",
    "WaitlistEntry",
    "WaitlistOffer",
]
