"""The labeled message set shipped with the package (``data/messages.csv``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

CATEGORIES = ("scheduling", "refill", "billing", "clinical", "records", "other")
URGENCIES = ("emergency", "urgent", "routine")
LANGUAGES = ("en", "es")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Example:
    """One labeled message: the text and what a coordinator decided it was."""

    text: str
    language: str
    category: str
    urgency: str

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if self.urgency not in URGENCIES:
            raise ValueError(f"unknown urgency {self.urgency!r}")


def load_examples(split: str | None = None) -> list[Example]:
    """The shipped examples, all of them or one split ('train' or 'test'), in file order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    raw = resources.files("liaison.triage").joinpath("data/messages.csv").read_text("utf-8")
    return [
        Example(row["text"], row["language"], row["category"], row["urgency"])
        for row in csv.DictReader(io.StringIO(raw))
        if split is None or row["split"] == split
    ]
