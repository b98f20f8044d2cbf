"""Triage of arriving patient messages: suggested category and urgency, with reasons.

Used when an SMS, email or portal message arrives. The coordinator sees the suggestion
and its reasons and confirms or corrects it; corrections can be fed back with
``classifier.train(extra_examples)``.

Decision order (safety first):

1. Phrase rules (``rules.py``, English and Spanish). An emergency phrase makes the
   urgency ``emergency`` whatever the classifier says, and the category ``clinical``; an
   urgent phrase makes it at least ``urgent``.
2. Otherwise the classifier's urgency, whose "urgent" threshold is set low on purpose
   (chosen on the training data by cross-validation, see ``classifier``).
3. The category comes from the classifier.

Message text is never logged; reasons name rule phrases and model features only.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison.triage import rules
from liaison.triage.classifier import Model, default_model, train
from liaison.triage.examples import CATEGORIES, URGENCIES, Example, load_examples

EMPTY_REASON = "empty message"
_ATTENTION = (rules.EMERGENCY, rules.URGENT)
_SEVERITY = {rules.EMERGENCY: 0, rules.URGENT: 1, rules.ROUTINE: 2}


@dataclass(frozen=True)
class Suggestion:
    category: str
    urgency: str  # emergency | urgent | routine
    language: str  # 'en' | 'es' guessed from the text
    reasons: tuple[str, ...]  # human-readable, rules first then classifier
    confidence: float  # 0..1 for the category
    emergency: bool


def suggest(text: str, *, model: Model | None = None) -> Suggestion:
    """Suggested category and urgency for one arriving message."""
    if text is None or not str(text).strip():
        return Suggestion("other", rules.ROUTINE, "en", (EMPTY_REASON,), 1.0, False)
    text = str(text)
    language = rules.guess_language(text)
    matches = rules.find_phrases(text)
    forced = rules.rule_urgency(matches)
    model = model or default_model()
    prediction = model.predict_detail(text)

    reasons = [m.reason for m in matches]
    candidates = [prediction.urgency] + ([forced] if forced else [])
    urgency = min(candidates, key=_SEVERITY.__getitem__)

    category, confidence = prediction.category, prediction.category_prob
    if forced == rules.EMERGENCY and category != "clinical":
        category, confidence = "clinical", 1.0
        reasons.append("category clinical: emergency phrase")

    terms = ", ".join(prediction.top_terms)
    reasons.append(
        f"classifier {prediction.category_prob:.2f}: {prediction.category}"
        + (f" ({terms})" if terms else "")
    )
    if urgency == prediction.urgency and (
        forced is None or _SEVERITY[prediction.urgency] < _SEVERITY[forced]
    ):
        reasons.append(_urgency_reason(prediction, model.urgent_threshold))
    return Suggestion(
        category=category,
        urgency=urgency,
        language=language,
        reasons=tuple(reasons),
        confidence=round(confidence, 4),
        emergency=urgency == rules.EMERGENCY,
    )


def _urgency_reason(prediction, threshold: float) -> str:
    terms = ", ".join(prediction.urgency_terms)
    suffix = f" ({terms})" if terms and prediction.urgency in _ATTENTION else ""
    if prediction.urgency == rules.EMERGENCY:
        return f"classifier urgency {prediction.urgency_prob:.2f}: emergency{suffix}"
    comparison = ">=" if prediction.urgency == rules.URGENT else "<"
    return (
        f"classifier urgency: {prediction.urgency} "
        f"(needs attention {prediction.attention_prob:.2f} {comparison} "
        f"threshold {threshold:.2f}){suffix}"
    )


def evaluate(model: Model | None = None) -> dict:
    """Figures on the held-out (test) split, with the rules and the classifier together.

    ``urgent_recall``: of the held-out messages labeled emergency or urgent, the share
    suggested as emergency or urgent. ``false_urgent_rate``: of the routine ones, the
    share suggested as emergency or urgent. ``emergency_recall``: of the emergencies,
    the share suggested as emergency.
    """
    model = model or default_model()
    held_out = load_examples("test")
    suggestions = [suggest(e.text, model=model) for e in held_out]
    pairs = list(zip(held_out, suggestions, strict=True))

    def share(hits: int, total: int) -> float:
        return round(hits / total, 4) if total else 1.0

    attention = [(e, s) for e, s in pairs if e.urgency in _ATTENTION]
    emergencies = [(e, s) for e, s in pairs if e.urgency == rules.EMERGENCY]
    routine = [(e, s) for e, s in pairs if e.urgency == rules.ROUTINE]
    per_category = {}
    for category in CATEGORIES:
        labeled = sum(e.category == category for e, _ in pairs)
        suggested = sum(s.category == category for _, s in pairs)
        right = sum(e.category == category == s.category for e, s in pairs)
        precision, recall = share(right, suggested), share(right, labeled)
        per_category[category] = {
            "messages": labeled,
            "precision": precision,
            "recall": recall,
            "f1": round(2 * precision * recall / (precision + recall), 4)
            if precision + recall
            else 0.0,
        }
    return {
        "held_out_messages": len(pairs),
        "category_accuracy": share(sum(e.category == s.category for e, s in pairs), len(pairs)),
        "urgency_accuracy": share(sum(e.urgency == s.urgency for e, s in pairs), len(pairs)),
        "urgent_recall": share(sum(s.urgency in _ATTENTION for _, s in attention), len(attention)),
        "urgent_messages": len(attention),
        "emergency_recall": share(sum(s.emergency for _, s in emergencies), len(emergencies)),
        "emergency_messages": len(emergencies),
        "false_urgent_rate": share(sum(s.urgency in _ATTENTION for _, s in routine), len(routine)),
        "urgent_threshold": round(model.urgent_threshold, 4),
        "train_seconds": round(model.train_seconds, 3),
        "per_category": per_category,
    }


__all__ = [
    "CATEGORIES",
    "URGENCIES",
    "Example",
    "Model",
    "Suggestion",
    "default_model",
    "evaluate",
    "load_examples",
    "suggest",
    "train",
]
