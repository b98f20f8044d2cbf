"""Message triage: suggestions, the classifier, the shipped data set and its evaluation."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter

import pytest

from liaison import triage
from liaison.triage import Example, Suggestion, evaluate, load_examples, suggest
from liaison.triage.classifier import Model, default_model, train

# Measured with the shipped data (category 0.908, urgency 0.864 on 250 held-out
# messages, false urgent rate 0.144); floors leave a margin for library upgrades.
CATEGORY_ACCURACY_FLOOR = 0.86
URGENCY_ACCURACY_FLOOR = 0.80
FALSE_URGENT_CEILING = 0.25


@pytest.fixture(scope="module")
def model() -> Model:
    return default_model()


@pytest.fixture(scope="module")
def figures(model) -> dict:
    return evaluate(model)


# ---------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    "text",
    [
        "I have chest pain and I'm sweating",
        "my husband's face is drooping and his speech is slurred",
        "i cant breathe",
        "I keep having suicidal thoughts",
        "Tengo dolor de pecho",
        "me duele mucho el pecho",
        "mi mamá tiene la cara caída y dificultad para hablar",
        "no puedo respirar",
        "quiero morir",
        "se desmayó y no despierta",
        "Need a refill of my inhaler, I can't breathe without it",
        "bill question... also my throat is closing up",
    ],
)
def test_emergency_phrases_escalate_whatever_the_classifier_says(model, text):
    s = suggest(text, model=model)
    assert s.urgency == "emergency"
    assert s.emergency is True
    assert s.category == "clinical"
    assert s.reasons[0].startswith('emergency phrase "')


def test_emergency_reason_names_the_phrase_before_the_classifier(model):
    s = suggest("pain in my chest since this morning", model=model)
    assert s.reasons[0] == 'emergency phrase "chest pain" (en)'
    assert any(r.startswith("classifier ") for r in s.reasons[1:])
    s = suggest("Me duele mucho el pecho", model=model)
    assert s.reasons[0] == 'emergency phrase "dolor de pecho" (es)'
    assert s.language == "es"


def test_category_override_for_emergencies_is_explained(model):
    text = "please send a refill of my lisinopril to CVS, also chest pain"
    assert model.predict(text)[0] == "refill"
    s = suggest(text, model=model)
    assert (s.category, s.urgency, s.confidence) == ("clinical", "emergency", 1.0)
    assert s.reasons[:2] == (
        'emergency phrase "chest pain" (en)',
        "category clinical: emergency phrase",
    )
    assert s.reasons[2].startswith("classifier ") and ": refill (" in s.reasons[2]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("can I move my appointment to Friday", "scheduling"),
        ("need to reschedule my chest x-ray", "scheduling"),
        ("refill for my inhaler, I'm fine", "refill"),
        ("bill for the ER visit", "billing"),
        ("¿Me pueden cambiar la cita del martes?", "scheduling"),
        ("necesito una copia de mi expediente", "records"),
        ("por qué me cobraron dos veces el copago", "billing"),
    ],
)
def test_routine_messages_do_not_escalate(model, text, category):
    s = suggest(text, model=model)
    assert s.urgency == "routine"
    assert s.emergency is False
    assert s.category == category
    assert not any("phrase" in r for r in s.reasons)


@pytest.mark.parametrize(
    "text",
    ["I ran out of my insulin today", "se me acabó la medicina de la presión", "fever of 104"],
)
def test_urgent_phrases_make_it_at_least_urgent(model, text):
    s = suggest(text, model=model)
    assert s.urgency in {"urgent", "emergency"}
    assert s.reasons[0].startswith(("urgent phrase", "emergency phrase"))


def test_classifier_reason_format(model):
    s = suggest("can I move my appointment to Friday", model=model)
    assert re.fullmatch(r"classifier \d\.\d\d: scheduling \(.+\)", s.reasons[0])
    assert "appointment" in s.reasons[0]
    assert 0.0 <= s.confidence <= 1.0
    assert s.language == "en"


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n"])
def test_empty_message(model, text):
    assert suggest(text, model=model) == Suggestion(
        category="other",
        urgency="routine",
        language="en",
        reasons=("empty message",),
        confidence=1.0,
        emergency=False,
    )


def test_very_long_message(model):
    text = "Hello, I have a question about my appointment next week. " * 5000
    s = suggest(text + "Also I can't breathe.", model=model)
    assert s.urgency == "emergency"  # the rules read the whole text
    assert suggest(text, model=model).category == "scheduling"


def test_suggest_logs_no_message_text(model, caplog):
    secret = "Zyxwv chest pain Qwerty"
    with caplog.at_level(logging.DEBUG):
        suggest(secret, model=model)
    assert not any("Zyxwv" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------- classifier


def test_predict_returns_the_documented_tuple(model):
    category, category_prob, urgency, urgency_prob, top_terms = model.predict(
        "Please send my refill to CVS"
    )
    assert category == "refill"
    assert 0.5 < category_prob <= 1.0
    assert urgency in {"emergency", "urgent", "routine"}
    assert 0.0 <= urgency_prob <= 1.0
    assert isinstance(top_terms, tuple)
    assert 1 <= len(top_terms) <= 3


def test_predictions_are_deterministic(model):
    text = "hola necesito cambiar mi cita y tambien pedir resurtido"
    assert model.predict(text) == model.predict(text)
    again = train()
    assert again.urgent_threshold == model.urgent_threshold
    for example in load_examples("test")[:40]:
        assert again.predict(example.text) == model.predict(example.text)


def test_retraining_with_a_correction_changes_that_prediction(model):
    text = "Is the clinic open on Juneteenth?"
    before = suggest(text, model=model).category
    corrected = "scheduling" if before != "scheduling" else "other"
    retrained = train([Example(text, "en", corrected, "routine")])
    assert suggest(text, model=retrained).category == corrected
    assert retrained.trained_on == len(load_examples("train")) + 1


def test_default_model_is_trained_once_per_process():
    models = []
    threads = [threading.Thread(target=lambda: models.append(default_model())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(m is models[0] for m in models)
    assert models[0] is default_model()


def test_model_trains_on_the_train_split_only(model):
    assert model.trained_on == len(load_examples("train"))
    assert 0.0 < model.urgent_threshold <= 0.5


def test_untrained_model_refuses_to_predict():
    with pytest.raises(RuntimeError):
        Model().predict("hello")


def test_example_validates_labels():
    with pytest.raises(ValueError):
        Example("hi", "en", "gossip", "routine")
    with pytest.raises(ValueError):
        Example("hi", "en", "other", "whenever")


# ---------------------------------------------------------------- data and evaluation


def test_shipped_data_set_shape():
    examples = load_examples()
    assert len(examples) >= 700
    assert set(Counter(e.category for e in examples)) == set(triage.CATEGORIES)
    languages = Counter(e.language for e in examples)
    assert 0.5 <= languages["en"] / len(examples) <= 0.6
    urgencies = Counter(e.urgency for e in examples)
    assert 0.06 <= urgencies["emergency"] / len(examples) <= 0.10
    assert 0.10 <= urgencies["urgent"] / len(examples) <= 0.14
    texts = [e.text for e in examples]
    assert len(set(texts)) == len(texts)


def test_splits_are_disjoint_and_stratified():
    train_split, test_split = load_examples("train"), load_examples("test")
    assert len(train_split) + len(test_split) == len(load_examples())
    assert not {e.text for e in train_split} & {e.text for e in test_split}
    assert 0.22 <= len(test_split) / (len(train_split) + len(test_split)) <= 0.28
    for key in ("category", "urgency"):
        assert {getattr(e, key) for e in test_split} == {getattr(e, key) for e in train_split}
    with pytest.raises(ValueError):
        load_examples("validation")


def test_evaluation_catches_every_held_out_urgent_message(figures):
    assert figures["urgent_recall"] == 1.0
    assert figures["urgent_messages"] >= 40
    assert figures["emergency_recall"] == 1.0


def test_evaluation_accuracy_floors(figures):
    assert figures["held_out_messages"] == len(load_examples("test"))
    assert figures["category_accuracy"] >= CATEGORY_ACCURACY_FLOOR
    assert figures["urgency_accuracy"] >= URGENCY_ACCURACY_FLOOR
    assert figures["false_urgent_rate"] <= FALSE_URGENT_CEILING
    assert set(figures["per_category"]) == set(triage.CATEGORIES)
    for row in figures["per_category"].values():
        assert row["messages"] > 0
        assert 0.0 <= row["precision"] <= 1.0
        assert 0.0 <= row["recall"] <= 1.0


def test_training_is_fast(figures):
    assert 0 < figures["train_seconds"] < 5
