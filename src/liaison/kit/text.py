"""Normalising human text for search keys."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
# Letters that Unicode does not decompose into a base letter plus accents, spelled the
# way their own languages romanise them ("Đặng" is searched as "dang", "Straße" as
# "strasse"). Without this they would simply vanish from the search key.
_TRANSLITERATE = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "ẞ": "SS",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",  # noqa: RUF001 - Turkish dotless i, on purpose
        "ħ": "h",
        "Ħ": "H",
        "ŧ": "t",
        "Ŧ": "T",
    }
)
_SPACES = re.compile(r"\s+")


def search_key(value: str) -> str:
    """Lower-case ASCII without accents or punctuation: "O'Brien-Núñez" -> "obrien nunez"."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_TRANSLITERATE))
    ascii_only = decomposed.encode("ascii", "ignore").decode().lower()
    ascii_only = ascii_only.replace("-", " ")
    return _SPACES.sub(" ", _NON_ALNUM.sub("", ascii_only)).strip()


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\uffff"
