"""Safety phrase rules: pure functions of the text, English and Spanish."""

from __future__ import annotations

import time

import pytest

from liaison.triage import rules

EMERGENCIES_EN = [
    ("I have chest pain", "chest pain"),
    ("CHEST PAIN since an hour", "chest pain"),
    ("sharp pain in my chest when I breathe in", "chest pain"),
    ("my chest hurts real bad", "chest pain"),
    ("chest is really tight and heavy", "chest pain"),
    ("I think I'm having a heart attack", "heart attack"),
    ("his face is drooping on the left", "face drooping"),
    ("one side of her face looks droopy", "face drooping"),
    ("dad is slurring his words", "slurred speech"),
    ("her speech is slurred all of a sudden", "slurred speech"),
    ("sudden arm weakness, can't hold my cup", "arm weakness"),
    ("he can't lift his left arm", "arm weakness"),
    ("I think mom is having a stroke", "stroke"),
    ("I've been having suicidal thoughts", "suicidal thoughts"),
    ("i want to kill myself", "kill myself"),
    ("I just want to die", "want to die"),
    ("i wanna die", "want to die"),
    ("severe bleeding from my leg", "severe bleeding"),
    ("the cut won't stop bleeding", "won't stop bleeding"),
    ("my nose wont stop bleeding for an hour", "won't stop bleeding"),
    ("I can't breathe", "trouble breathing"),
    ("cant breathe", "trouble breathing"),
    ("cant breath", "trouble breathing"),
    ("trouble breathing since lunch", "trouble breathing"),
    ("having difficulty breathing", "trouble breathing"),
    ("shortness of breath on the stairs", "trouble breathing"),
    ("my son took an overdose of tylenol", "overdose"),
    ("he took way too many of his pills", "overdose"),
    ("my grandma is unconscious", "unconscious"),
    ("she passed out at work", "passed out"),
    ("he fainted twice today", "passed out"),
    ("my daughter had a seizure", "seizure"),
    ("he's seizing right now", "seizure"),
    ("anaphylaxis after a bee sting", "anaphylaxis"),
    ("my throat is swelling after the new medicine", "anaphylaxis"),
    ("throat closing up", "anaphylaxis"),
    ("worst headache of my life", "worst headache"),
    ("coughing up blood", "coughing or vomiting blood"),
]

EMERGENCIES_ES = [
    ("Tengo dolor de pecho", "dolor de pecho"),
    ("tengo dolor en el pecho desde la mañana", "dolor de pecho"),
    ("me duele mucho el pecho", "dolor de pecho"),
    ("ME DUELE EL PECHO", "dolor de pecho"),
    ("siento presión en el pecho", "dolor de pecho"),
    ("creo que es un infarto", "infarto"),
    ("a mi papá se le ve la cara caída", "cara caída"),
    ("tiene la cara caida de un lado", "cara caída"),
    ("tiene la boca chueca", "cara caída"),
    ("mi abuela tiene dificultad para hablar", "dificultad para hablar"),
    ("de repente tiene dificultad para hablar", "dificultad para hablar"),
    ("mi esposo no puede mover el brazo derecho", "debilidad en el brazo"),
    ("le dio un derrame cerebral", "derrame cerebral"),
    ("quiero morir", "quiero morir"),
    ("me quiero morir", "quiero morir"),
    ("ya no quiero vivir", "quiero morir"),
    ("he pensado en suicidarme", "pensamientos suicidas"),
    ("tengo pensamientos suicidas", "pensamientos suicidas"),
    ("sangrado abundante después del parto", "sangrado abundante"),
    ("la herida no para de sangrar", "no para de sangrar"),
    ("no puedo respirar", "no puedo respirar"),
    ("No Puedo Respirar Bien", "no puedo respirar"),
    ("mi hijo no puede respirar", "no puedo respirar"),
    ("tengo falta de aire", "falta de aire"),
    ("me falta el aire", "falta de aire"),
    ("se tomó una sobredosis", "sobredosis"),
    ("tuvo un desmayo en la calle", "desmayo"),
    ("se desmayó en el baño", "desmayo"),
    ("mi papá está inconsciente", "desmayo"),
    ("le dio una convulsión", "convulsión"),
    ("está convulsionando", "convulsión"),
    ("se le está cerrando la garganta", "anafilaxia"),
]


@pytest.mark.parametrize(("text", "phrase"), EMERGENCIES_EN + EMERGENCIES_ES)
def test_emergency_phrases_escalate_and_name_the_phrase(text, phrase):
    matches = rules.find_phrases(text)
    assert rules.rule_urgency(matches) == rules.EMERGENCY
    assert phrase in {m.phrase for m in matches if m.level == rules.EMERGENCY}


@pytest.mark.parametrize(
    "text",
    [
        "dolor de pécho",  # misplaced accent
        "DOLOR DE PECHO!!!",
        "no puedo respirarrrr",
        "cant breatheee",
        "chest hurtsss",
        "chest   \n  pain",
        "Quiero   morír",
        "convulsion",
        "Tiene convulsiones",
    ],
)
def test_accents_case_repeats_and_spacing_do_not_hide_an_emergency(text):
    assert rules.rule_urgency(rules.find_phrases(text)) == rules.EMERGENCY


def test_reason_names_the_phrase_and_language():
    (match,) = rules.find_phrases("pain in my chest")
    assert match.reason == 'emergency phrase "chest pain" (en)'
    (match,) = rules.find_phrases("me duele mucho el pecho")
    assert match.reason == 'emergency phrase "dolor de pecho" (es)'


def test_emergencies_come_before_urgent_matches():
    matches = rules.find_phrases("ran out of my meds today and now I have chest pain")
    assert [m.level for m in matches] == [rules.EMERGENCY, rules.URGENT]


@pytest.mark.parametrize(
    "text",
    [
        "can I move my appointment to Friday",
        "need to reschedule my chest x-ray",
        "refill for my inhaler, I'm fine",
        "bill for the ER visit",
        "refill my seizure meds please",
        "necesito la medicina para las convulsiones de mi hijo",
        "mi esposo no puede hablar inglés, ¿tienen intérprete?",
        "I can't talk right now, please email me",
        "can you send my blood work results",
        "a lot of blood tests were ordered, are they covered?",
        "necesito cambiar la cita de la radiografía de pecho",
        "me falta el papel del seguro",
        "I'm out of refills on my lisinopril",
        "la cita de seguimiento de la clínica de derrames",
        "Can I book my stroke clinic follow-up?",
        "my EpiPen expired, please renew it",
        "el doctor no me responde los mensajes",
    ],
)
def test_routine_messages_do_not_escalate(text):
    assert rules.find_phrases(text) == ()
    assert rules.rule_urgency(()) is None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I ran out of my blood pressure medication today", "ran out of medication"),
        ("we're out of insulin since this morning", "ran out of medication"),
        ("high fever and chills", "high fever"),
        ("temp is 103.2", "high fever"),
        ("se me acabó la medicina de la presión", "se me acabó la medicina"),
        ("se me acabaron las pastillas", "se me acabó la medicina"),
        ("me quedé sin insulina", "se me acabó la medicina"),
        ("tiene fiebre alta", "fiebre alta"),
        ("calentura de 39.5", "fiebre alta"),
        ("blood in my urine", "blood in urine or stool"),
        ("can't keep anything down", "can't keep anything down"),
    ],
)
def test_urgent_phrases(text, phrase):
    matches = rules.find_phrases(text)
    assert rules.rule_urgency(matches) == rules.URGENT
    assert phrase in {m.phrase for m in matches}


def test_no_negation_handling_on_purpose():
    # Safety first: a denial still reaches a human, who dismisses it in seconds.
    assert rules.rule_urgency(rules.find_phrases("no chest pain, just a cough")) == "emergency"


def test_normalize():
    assert rules.normalize("  Dolor   de PÉCHO\n") == "dolor de pecho"
    assert rules.normalize("Can\u2019t breatheeee") == "cant breathe"
    assert rules.normalize("") == ""
    assert rules.find_phrases("") == ()
    assert rules.find_phrases(" \n\t ") == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Can I move my appointment to Friday?", "en"),
        ("refill pls", "en"),
        ("Hola, ¿puedo cambiar mi cita del viernes?", "es"),
        ("necesito mis pastillas de la presion", "es"),
        ("se me acabo la medicina", "es"),
        ("no puedo respirar", "es"),
        ("I can't breathe", "en"),
        ("mañana", "es"),
    ],
)
def test_language_guess(text, language):
    assert rules.guess_language(text) == language


def test_language_guess_falls_back_to_the_default():
    assert rules.guess_language("") == "en"
    assert rules.guess_language("12345", default="es") == "es"


def test_category_and_urgency_cues_count_words():
    cues = rules.category_cues("Why was I charged a copay twice? The bill says $40")
    assert cues["billing"] >= 3
    assert rules.urgency_cues("mi bebé tiene fiebre desde ayer")["vulnerable"] >= 1


def test_very_long_text_is_scanned_quickly_and_completely():
    text = "I have a question about my appointment and my bill. " * 4000 + "chest pain"
    started = time.perf_counter()
    matches = rules.find_phrases(text)
    assert time.perf_counter() - started < 5
    assert "chest pain" in {m.phrase for m in matches}
