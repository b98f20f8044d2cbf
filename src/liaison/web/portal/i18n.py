"""The portal's words in English and Spanish.

Each page module registers its own strings (``register``) at import; templates call
``t("key", name=...)``. A missing key is an error in tests (``strict``) and the key
itself in production, so a page never shows an empty gap.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
STRINGS: dict[str, dict[str, str]] = {}
strict = False


def register(strings: Mapping[str, Mapping[str, str]]) -> None:
    for key, text in strings.items():
        missing = [lang for lang in LANGUAGES if lang not in text]
        if missing:
            raise ValueError(f"portal string {key!r} lacks {', '.join(missing)}")
        STRINGS[key] = dict(text)


def language_of(tag: str | None) -> str:
    primary = (tag or "en").split("-")[0].lower()
    return primary if primary in LANGUAGES else "en"


def translate(language: str, key: str, **values: object) -> str:
    text = STRINGS.get(key, {}).get(language_of(language))
    if text is None:
        if strict:
            raise KeyError(f"no portal string {key!r}")
        return key
    return text.format(**values) if values else text


register(
    {
        "portal": {"en": "Patient portal", "es": "Portal del paciente"},
        "skip": {"en": "Skip to content", "es": "Ir al contenido"},
        "home": {"en": "Home", "es": "Inicio"},
        "appointments": {"en": "Appointments", "es": "Citas"},
        "book": {"en": "Book a visit", "es": "Pedir una cita"},
        "messages": {"en": "Messages", "es": "Mensajes"},
        "sign_out": {"en": "Sign out", "es": "Cerrar sesión"},
        "language": {"en": "Language", "es": "Idioma"},
        "acting_for": {"en": "Using the portal for", "es": "Usando el portal para"},
        "switch": {"en": "Switch", "es": "Cambiar"},
        "yourself": {"en": "yourself", "es": "usted"},
        "error_title": {"en": "Something is not right", "es": "Algo no está bien"},
        "not_found": {
            "en": "We could not find that page or record.",
            "es": "No encontramos esa página o ese registro.",
        },
        "back_home": {"en": "Back to the portal's home", "es": "Volver al inicio del portal"},
        "error_404": {"en": "Not found", "es": "No encontrado"},
        "error_403": {"en": "Not allowed", "es": "No permitido"},
        "error_429": {"en": "Please wait a moment", "es": "Espere un momento, por favor"},
        "error_500": {
            "en": "Something went wrong on our side. Please try again, or call the clinic.",
            "es": "Algo falló de nuestro lado. Inténtelo de nuevo o llame a la clínica.",
        },
        "rel_self": {"en": "you", "es": "usted"},
        "rel_parent": {"en": "parent", "es": "madre o padre"},
        "rel_guardian": {"en": "guardian", "es": "tutor"},
        "rel_caregiver": {"en": "caregiver", "es": "cuidador"},
        "rel_spouse": {"en": "spouse", "es": "cónyuge"},
        "rel_other": {"en": "other", "es": "otra relación"},
    }
)
