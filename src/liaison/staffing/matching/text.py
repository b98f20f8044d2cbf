"""Text similarity between an opening's description and coordinator profiles.

TF-IDF with cosine similarity (scikit-learn): words that many profiles share ("patient",
"scheduling") weigh little, distinctive ones ("dialysis", "workers' compensation")
weigh a lot. The vocabulary is fitted on the profiles and openings being compared, so
the weights describe this pool rather than some outside corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def tfidf_similarity(opening_texts: Sequence[str], profile_texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity, shape (openings, profiles), values in [0, 1]."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    shape = (len(opening_texts), len(profile_texts))
    documents = [*profile_texts, *opening_texts]
    if not shape[0] or not shape[1] or not any(d.strip() for d in documents):
        return np.zeros(shape)
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", strip_accents="unicode", ngram_range=(1, 2)
    )
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # nothing but stop words: no vocabulary to compare
        return np.zeros(shape)
    profiles, openings = matrix[: shape[1]], matrix[shape[1] :]
    # Rows are L2-normalised by the vectorizer, so the dot product is the cosine.
    similarity = (openings @ profiles.T).toarray()
    return np.clip(similarity, 0.0, 1.0)
