"""The words profiles and openings share. Matching compares codes, so both sides must
use the same ones: a typo ("epci") would silently never match, hence closed lists for
systems and skills. Specialties follow the directory's free codes ("family-medicine")."""

from __future__ import annotations

# Proficiency in a language, lowest first, and how much of a patient population's
# conversations a coordinator at that level can carry on their own.
PROFICIENCY_LEVELS = ("basic", "conversational", "professional", "native")
PROFICIENCY_WEIGHT = {"basic": 0.25, "conversational": 0.6, "professional": 0.9, "native": 1.0}


def proficiency_rank(level: str | None) -> int:
    """0 for none, 1 for basic ... 4 for native."""
    return PROFICIENCY_LEVELS.index(level) + 1 if level in PROFICIENCY_LEVELS else 0


# EHR and practice-management systems.
SYSTEMS = {
    "epic": "Epic",
    "oracle-health": "Oracle Health (Cerner)",
    "athenaone": "athenaOne",
    "eclinicalworks": "eClinicalWorks",
    "nextgen": "NextGen",
    "meditech": "MEDITECH Expanse",
    "veradigm": "Veradigm (Allscripts)",
    "modmed": "ModMed",
    "greenway": "Greenway Intergy",
    "tebra": "Tebra (Kareo)",
    "advancedmd": "AdvancedMD",
}

SKILLS = {
    "scheduling": "Scheduling",
    "referrals": "Referrals",
    "insurance-verification": "Insurance verification",
    "prior-authorization": "Prior authorization",
    "intake": "Intake",
    "billing-questions": "Billing questions",
    "care-navigation": "Care navigation",
    "patient-outreach": "Patient outreach",
    "medical-records": "Medical records requests",
    "waitlist": "Waitlist management",
}

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "ar": "Arabic",
    "ko": "Korean",
    "ru": "Russian",
    "ht": "Haitian Creole",
    "pt": "Portuguese",
    "fr": "French",
    "tl": "Tagalog",
    "pl": "Polish",
    "hi": "Hindi",
    "so": "Somali",
}

SPECIALTY_NAMES = {
    "family-medicine": "Family medicine",
    "internal-medicine": "Internal medicine",
    "pediatrics": "Pediatrics",
    "behavioral-health": "Behavioral health",
    "psychiatry": "Psychiatry",
    "orthopedics": "Orthopedics",
    "cardiology": "Cardiology",
    "oncology": "Oncology",
    "dermatology": "Dermatology",
    "womens-health": "Women's health",
}

# What a supervisor scores in a sampled interaction, 0-4 each, and how much it counts.
RUBRIC = {
    "greeting": ("Greeting and identity check", 1),
    "accuracy": ("Accurate information and booking", 3),
    "empathy": ("Empathy and tone", 2),
    "resolution": ("Resolved or routed correctly", 3),
    "compliance": ("Privacy and compliance", 2),
}
RUBRIC_MAX = 4


def language_name(tag: str) -> str:
    return LANGUAGE_NAMES.get(tag.split("-")[0], tag)


def system_name(code: str) -> str:
    return SYSTEMS.get(code, code)


def skill_name(code: str) -> str:
    return SKILLS.get(code, code)


def specialty_name(code: str) -> str:
    return SPECIALTY_NAMES.get(code, code.replace("-", " ").capitalize())
