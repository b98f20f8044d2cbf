"""Category and urgency classifiers for arriving messages (scikit-learn).

Features, over the normalised text (``rules.normalize``: lowercase, accents stripped,
apostrophes dropped, repeated letters squeezed):

* TF-IDF of word 1-2 grams and of char_wb 3-5 grams (so "cita"/"cíta" and typos such as
  "reschedulle" still share most of their features);
* log-scaled counts of the category cue words and urgency cue words of ``rules`` (domain
  vocabulary in both languages, which helps with words the training set never showed).

Two multinomial logistic regressions sit on the same features: one for the category, one
for the urgency. The urgency model's "needs attention" probability, P(emergency) +
P(urgent), is compared with a threshold chosen on the training examples alone by
repeated cross-validation: the lowest out-of-fold probability among training messages
that are urgent or emergencies but that the phrase rules do not catch, less a margin. The
classifier is there to catch what the rules miss, and it trades false alarms for recall
on purpose.

Deterministic: fixed fold assignment and ``random_state``; the same examples give the
same model and the same predictions. The feature weights, regularisation strengths and
margin were chosen by cross-validation on the train split, never on the test split.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from liaison.triage import rules
from liaison.triage.examples import CATEGORIES, URGENCIES, Example, load_examples

RANDOM_STATE = 0
# Only the start of a very long message feeds the classifier (the phrase rules read it all).
MAX_CLASSIFIER_CHARS = 5_000
CV_FOLDS = 5
CV_REPEATS = 2
# The threshold is this fraction of the lowest cross-validated probability it has to catch.
THRESHOLD_MARGIN = 0.8
THRESHOLD_CEILING = 0.5
# Coordinator corrections weigh this much more than a shipped example when retraining.
CORRECTION_WEIGHT = 4.0
CATEGORY_C = 20.0
URGENCY_C = 10.0
FEATURE_WEIGHTS = {"word": 0.5, "char": 1.0, "category_cues": 0.3, "urgency_cues": 0.6}
TOP_TERMS = 3

_ATTENTION = (rules.EMERGENCY, rules.URGENT)
# One-letter words count too ("u", "q", "x" in SMS style).
_WORD_TOKENS = r"(?u)\b\w+\b"
# Function words stay in the model but are not worth showing a coordinator as a reason.
_NOT_A_REASON = frozenset(
    str.split(
        """
    a an the and or to of for in on at by with from about is are was be been it its this
    that these i im ive me my we our you your u he she his her they them can could would
    will do does did have has had not no so if just please pls need get got any some there
    what when how hi hello hey thanks thank thx el la los las lo le les de del al que q y
    en un una unos por x para con es son mi mis me se su sus nos o pero como muy ya si
    hola gracias favor porfa necesito tengo puedo quiero esta estoy hay usted
    """
    )
)


@dataclass(frozen=True)
class Prediction:
    category: str
    category_prob: float
    urgency: str
    urgency_prob: float  # probability of the chosen urgency level (of "attention" if urgent)
    attention_prob: float  # P(emergency) + P(urgent)
    top_terms: tuple[str, ...]  # features that pushed the category most
    urgency_terms: tuple[str, ...]  # features that pushed towards needing attention


def _prepare(text: str) -> str:
    return rules.normalize(text[:MAX_CLASSIFIER_CHARS])


def _cue_matrix(normalized_texts: Sequence[str]):
    """Weighted, log-scaled cue counts: one column per category, then per urgency group."""
    from scipy import sparse

    rows = []
    for text in normalized_texts:
        category = rules.category_cues(text, normalized=True).values()
        urgency = rules.urgency_cues(text, normalized=True).values()
        rows.append(
            [FEATURE_WEIGHTS["category_cues"] * np.log1p(n) for n in category]
            + [FEATURE_WEIGHTS["urgency_cues"] * np.log1p(n) for n in urgency]
        )
    width = len(rules.CATEGORY_CUES) + len(rules.URGENCY_CUES)
    return sparse.csr_matrix(np.array(rows, dtype=np.float64).reshape(len(rows), width))


class _Features:
    """TF-IDF (words, characters) + cue counts over already-normalised text."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = {"lowercase": False, "sublinear_tf": True, "dtype": np.float64}
        self.word = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), token_pattern=_WORD_TOKENS, **common
        )
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, **common)

    def fit_transform(self, texts: Sequence[str], cues=None):
        self.word.fit(texts)
        self.char.fit(texts)
        return self.transform(texts, cues)

    def transform(self, texts: Sequence[str], cues=None):
        from scipy import sparse

        return sparse.hstack(
            [
                FEATURE_WEIGHTS["word"] * self.word.transform(texts),
                FEATURE_WEIGHTS["char"] * self.char.transform(texts),
                _cue_matrix(texts) if cues is None else cues,
            ],
            format="csr",
        )

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        """Feature names, and which of them are words (readable in a reason)."""
        words = self.word.get_feature_names_out()
        chars = self.char.get_feature_names_out()
        cues = [f"{c} words" for c in rules.CATEGORY_CUES] + [
            f"{g} cues" for g in rules.URGENCY_CUES
        ]
        names = np.array([*words, *chars, *cues], dtype=object)
        is_word = np.zeros(len(names), dtype=bool)
        is_word[: len(words)] = True
        return names, is_word


class _FoldFeatures:
    """The same features as ``_Features`` fitted on a subset, without re-tokenising.

    Counting n-grams dominates training time, and a document's counts do not depend on
    which other documents are in the fold: count once, then per fold keep the columns the
    fold's training documents contain (char n-grams: in at least two of them, as
    ``min_df=2`` does) and fit the IDF weights on those documents only. Equivalent to
    fitting ``_Features`` on the fold, and several times faster.
    """

    def __init__(self, texts: Sequence[str], cues) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self.cues = cues
        self.word = CountVectorizer(
            lowercase=False, analyzer="word", ngram_range=(1, 2), token_pattern=_WORD_TOKENS
        ).fit_transform(texts)
        self.char = CountVectorizer(
            lowercase=False, analyzer="char_wb", ngram_range=(3, 5)
        ).fit_transform(texts)

    def split(self, train_idx: np.ndarray, held_idx: np.ndarray):
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfTransformer

        train_blocks, held_blocks = [], []
        for counts, min_df, weight in (
            (self.word, 1, FEATURE_WEIGHTS["word"]),
            (self.char, 2, FEATURE_WEIGHTS["char"]),
        ):
            fold = counts[train_idx]
            keep = np.flatnonzero(np.asarray((fold > 0).sum(axis=0)).ravel() >= min_df)
            tfidf = TfidfTransformer(sublinear_tf=True).fit(fold[:, keep])
            train_blocks.append(weight * tfidf.transform(fold[:, keep]))
            held_blocks.append(weight * tfidf.transform(counts[held_idx][:, keep]))
        train_blocks.append(self.cues[train_idx])
        held_blocks.append(self.cues[held_idx])
        return (
            sparse.hstack(train_blocks, format="csr"),
            sparse.hstack(held_blocks, format="csr"),
        )


def _logistic(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c,
        solver="newton-cg",
        max_iter=5_000,
        class_weight="balanced",
        random_state=RANDOM_STATE,
    )


class Model:
    """Category + urgency classifiers and the urgency threshold fitted with them."""

    def __init__(self, *, category_c: float = CATEGORY_C, urgency_c: float = URGENCY_C) -> None:
        self.category_c = category_c
        self.urgency_c = urgency_c
        self.urgent_threshold = THRESHOLD_CEILING
        self.train_seconds = 0.0
        self.trained_on = 0
        self._fitted = False

    # ------------------------------------------------------------------ training
    def fit(
        self, examples: Sequence[Example], sample_weight: Sequence[float] | None = None
    ) -> Model:
        """Train on ``examples``; ``train_seconds`` excludes importing scikit-learn."""
        # Import before the clock starts: the first import costs about a second.
        import sklearn.feature_extraction.text
        import sklearn.linear_model
        import sklearn.model_selection  # noqa: F401
        from threadpoolctl import threadpool_limits

        if not examples:
            raise ValueError("no examples to train on")
        # These problems are tiny; several BLAS threads only fight each other (training
        # took ten times longer with two threads than with one on a two-core machine).
        with threadpool_limits(limits=1, user_api="blas"):
            started = time.perf_counter()
            self._fit(examples, sample_weight)
            self.train_seconds = time.perf_counter() - started
        return self

    def _fit(self, examples: Sequence[Example], sample_weight: Sequence[float] | None) -> None:
        texts = [_prepare(e.text) for e in examples]
        cues = _cue_matrix(texts)  # stateless: computed once, shared by every fold
        categories = np.array([e.category for e in examples])
        urgencies = np.array([e.urgency for e in examples])
        weights = np.ones(len(examples)) if sample_weight is None else np.asarray(sample_weight)
        missed_by_rules = np.array(
            [rules.rule_urgency(rules.find_phrases(e.text)) is None for e in examples]
        )
        self.urgent_threshold = self._choose_threshold(
            texts, cues, urgencies, weights, missed_by_rules
        )

        self._features = _Features()
        features = self._features.fit_transform(texts, cues)
        self._category = _logistic(self.category_c).fit(features, categories, weights)
        self._urgency = _logistic(self.urgency_c).fit(features, urgencies, weights)
        self._names, self._is_word = self._features.names()
        self._attention_rows = [
            i for i, label in enumerate(self._urgency.classes_) if label in _ATTENTION
        ]
        self._fitted = True
        self.trained_on = len(examples)

    def _choose_threshold(self, texts, cues, urgencies, weights, missed_by_rules) -> float:
        """0.8 x the lowest out-of-fold P(attention) among rule-missed urgent examples.

        Repeated stratified K-fold (``CV_REPEATS`` x ``CV_FOLDS``, fixed seeds): the
        lowest probability of one split alone depends a lot on which examples share a
        fold, so the minimum is taken over every repetition.
        """
        from sklearn.model_selection import RepeatedStratifiedKFold

        targets = np.isin(urgencies, _ATTENTION) & missed_by_rules
        counts = np.unique(urgencies, return_counts=True)[1]
        folds = min(CV_FOLDS, int(counts.min()))
        if not targets.any() or folds < 2 or len(counts) < 2:
            return THRESHOLD_CEILING
        fold_features = _FoldFeatures(texts, cues)
        lowest = 1.0
        splitter = RepeatedStratifiedKFold(
            n_splits=folds, n_repeats=CV_REPEATS, random_state=RANDOM_STATE
        )
        for train_idx, held_idx in splitter.split(texts, urgencies):
            wanted = held_idx[targets[held_idx]]
            if not len(wanted):
                continue
            train_matrix, held_matrix = fold_features.split(train_idx, wanted)
            model = _logistic(self.urgency_c).fit(
                train_matrix, urgencies[train_idx], weights[train_idx]
            )
            rows = [i for i, label in enumerate(model.classes_) if label in _ATTENTION]
            probs = model.predict_proba(held_matrix)
            lowest = min(lowest, float(probs[:, rows].sum(axis=1).min()))
        return min(THRESHOLD_CEILING, lowest * THRESHOLD_MARGIN)

    # ------------------------------------------------------------------ prediction
    def predict(self, text: str) -> tuple[str, float, str, float, tuple[str, ...]]:
        """(category, category_prob, urgency, urgency_prob, top_terms)."""
        p = self.predict_detail(text)
        return p.category, p.category_prob, p.urgency, p.urgency_prob, p.top_terms

    def predict_detail(self, text: str) -> Prediction:
        if not self._fitted:
            raise RuntimeError("model is not trained: call fit() first")
        features = self._features.transform([_prepare(text)])
        category_probs = self._category.predict_proba(features)[0]
        best = int(np.argmax(category_probs))
        urgency_probs = self._urgency.predict_proba(features)[0]
        by_label = dict(zip(self._urgency.classes_, urgency_probs, strict=True))
        attention = float(sum(by_label.get(level, 0.0) for level in _ATTENTION))
        if by_label.get(rules.EMERGENCY, 0.0) >= max(urgency_probs):
            urgency = rules.EMERGENCY
        elif attention >= self.urgent_threshold:
            urgency = rules.URGENT
        else:
            urgency = rules.ROUTINE
        urgency_prob = attention if urgency == rules.URGENT else float(by_label[urgency])
        return Prediction(
            category=str(self._category.classes_[best]),
            category_prob=float(category_probs[best]),
            urgency=urgency,
            urgency_prob=urgency_prob,
            attention_prob=attention,
            top_terms=self._top_terms(features, self._category.coef_, [best]),
            urgency_terms=self._top_terms(features, self._urgency.coef_, self._attention_rows),
        )

    def _top_terms(self, features, coef: np.ndarray, rows: list[int]) -> tuple[str, ...]:
        """Features of this text that pushed most towards ``rows`` against the average class.

        Whole words and word pairs are preferred (readable in a reason); character
        n-grams and cue counts are shown only when no word feature pushed that way.
        """
        idx, values = features.indices, features.data
        if not len(idx):
            return ()
        direction = coef[rows].mean(axis=0) - coef.mean(axis=0)
        push = values * direction[idx]
        order = np.argsort(-push, kind="stable")
        positive = [i for i in order if push[i] > 0]
        words = [
            i
            for i in positive
            if self._is_word[idx[i]]
            and not all(w in _NOT_A_REASON for w in str(self._names[idx[i]]).split())
        ]
        chosen = (words or positive)[:TOP_TERMS]
        return tuple(str(self._names[idx[i]]).strip() for i in chosen)


def train(
    extra_examples: Iterable[Example] = (), *, correction_weight: float = CORRECTION_WEIGHT
) -> Model:
    """A model trained on the shipped train split plus coordinator corrections.

    Corrections weigh ``correction_weight`` times a shipped example, so that a handful of
    them change the model's mind about messages like the ones corrected.
    """
    base = load_examples("train")
    extra = list(extra_examples)
    weights = [1.0] * len(base) + [correction_weight] * len(extra)
    return Model().fit([*base, *extra], sample_weight=weights)


_default: Model | None = None
_default_lock = threading.Lock()


def default_model() -> Model:
    """The model trained on the shipped train split, built once per process on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = train()
    return _default


__all__ = ["CATEGORIES", "URGENCIES", "Example", "Model", "Prediction", "default_model", "train"]
