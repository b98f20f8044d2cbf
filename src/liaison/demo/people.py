"""Names, phone numbers, addresses and NPIs that look like the communities served.

Name lists come from Faker's locale data (weighted where Faker weights them, as for US
surnames), completed by hand where Faker's lists are thin (Vietnamese has ten surnames
there, Haitian names have no locale). Draws use the caller's seeded ``random.Random``
directly: about forty times faster than calling Faker per value, which matters at
100,000 patients, and just as deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from faker import Faker
from faker.providers.person.en_IN import Provider as EnIn
from faker.providers.person.en_US import Provider as EnUs
from faker.providers.person.es_MX import Provider as EsMx
from faker.providers.person.fr_FR import Provider as FrFr
from faker.providers.person.pt_BR import Provider as PtBr
from faker.providers.person.vi_VN import Provider as ViVn
from faker.providers.person.zh_CN import Provider as ZhCn

from liaison.kit.text import search_key
from liaison.kit.validation import npi_is_valid


@dataclass(frozen=True)
class Weighted:
    """Values with cumulative weights, for fast repeated ``rng.choices`` draws."""

    values: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, items: Sequence[str] | dict[str, float]) -> Weighted:
        pairs = list(items.items()) if isinstance(items, dict) else [(v, 1.0) for v in items]
        # Faker's lists contain stray double spaces ("Alta  Gracia").
        values = tuple(" ".join(v.split()) for v, _ in pairs)
        total, cumulative = 0.0, []
        for _, weight in pairs:
            total += weight
            cumulative.append(total)
        return cls(values, tuple(cumulative))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


# Vietnamese surnames by their share among Vietnamese people (Nguyễn alone is ~38%).
VIETNAMESE_SURNAMES = {
    "Nguyễn": 38,
    "Trần": 11,
    "Lê": 9.5,
    "Phạm": 7,
    "Hoàng": 3,
    "Huỳnh": 3,
    "Phan": 4.5,
    "Vũ": 2,
    "Võ": 2,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1,
    "Lý": 0.5,
    "Trương": 1,
    "Đinh": 0.8,
    "Lâm": 0.7,
    "Mai": 0.5,
    "Tạ": 0.3,
    "Cao": 0.5,
}
VIETNAMESE_GIVEN_FEMALE = (
    *ViVn.first_names_female,
    "Trang",
    "Thủy",
    "Nhung",
    "Hoa",
    "Phương",
    "Thu",
    "Hằng",
    "Loan",
    "Ngân",
    "Nga",
    "Tâm",
    "Tuyết",
    "Diễm",
    "Kim",
    "My",
    "Quyên",
    "Oanh",
    "Thanh",
)
VIETNAMESE_GIVEN_MALE = (
    *ViVn.first_names_male,
    "Tuấn",
    "Long",
    "Hải",
    "Sơn",
    "Phong",
    "Hiếu",
    "Cường",
    "Đạt",
    "Thắng",
    "Khánh",
    "Lộc",
    "Tài",
    "Vinh",
    "Bình",
    "Hùng",
    "Việt",
    "Toàn",
    "Tín",
)
CHINESE_SURNAMES = {
    "Wang": 7,
    "Li": 7,
    "Zhang": 6.5,
    "Liu": 5,
    "Chen": 4.5,
    "Yang": 3,
    "Huang": 2.3,
    "Zhao": 2.2,
    "Wu": 2,
    "Zhou": 1.9,
    **{s: 0.8 for s in ZhCn.last_romanized_names},
}
CHINESE_GIVEN = (
    *ZhCn.first_romanized_names,
    "Hao",
    "Yu",
    "Yuxuan",
    "Zihan",
    "Haoran",
    "Xinyi",
    "Jiahui",
    "Zhiwei",
    "Mei",
    "Lihua",
    "Jian",
    "Hong",
    "Xiaoming",
    "Wenjun",
    "Yiming",
    "Ruolan",
    "Shu",
    "Lan",
    "Hui",
    "Yichen",
    "Zhen",
    "Kai",
    "Bo",
    "Peng",
)
# Common Haitian family names (many are French given names) and given names.
HAITIAN_SURNAMES = (
    "Joseph",
    "Jean",
    "Pierre",
    "Louis",
    "Charles",
    "Jean-Baptiste",
    "Francois",
    "Paul",
    "Jacques",
    "Etienne",
    "Augustin",
    "Michel",
    "Noel",
    "Alexis",
    "Desir",
    "Dorvil",
    "Exantus",
    "Fils-Aime",
    "Jean-Louis",
    "Saint-Louis",
    "Toussaint",
    "Valcourt",
    "Celestin",
    "Dorce",
    "Jeune",
    "Lafortune",
    "Beauvais",
    "Pierre-Louis",
    "Estime",
    "Jean-Charles",
    "Cadet",
    "Bien-Aime",
    "Compere",
    "Merisier",
    "Desrosiers",
    "Lubin",
    "Innocent",
    "Philogene",
    "Casimir",
    "Thermidor",
    "Guerrier",
    "Sanon",
    "Volcy",
)
HAITIAN_GIVEN_FEMALE = (
    "Marie",
    "Rose",
    "Guerline",
    "Nadège",
    "Fabienne",
    "Mirlande",
    "Dieula",
    "Ketly",
    "Roselaure",
    "Marjorie",
    "Wideline",
    "Lovely",
    "Yolande",
    "Islande",
    "Nathalie",
    "Magalie",
    "Jeanne",
    "Edeline",
    "Farah",
    "Esther",
    "Rose-Marie",
    "Marie-Claude",
)
HAITIAN_GIVEN_MALE = (
    "Jean",
    "Jean-Pierre",
    "Wilner",
    "Jean-Robert",
    "Fritzner",
    "Jude",
    "Evens",
    "Stanley",
    "Ricardo",
    "Widnel",
    "Frantz",
    "Jocelyn",
    "Ronald",
    "Wilson",
    "Guerby",
    "Emmanuel",
    "Jean-Claude",
    "Reginald",
    "Kervens",
    "Dieunel",
    "Lesly",
    "Yves",
)
# Short names people ask to be called by.
NICKNAMES = {
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Katherine": "Kate",
    "Jennifer": "Jen",
    "Michael": "Mike",
    "James": "Jim",
    "Richard": "Rick",
    "Christopher": "Chris",
    "Patricia": "Pat",
    "Thomas": "Tom",
    "Joseph": "Joe",
    "Daniel": "Dan",
    "Alexander": "Alex",
    "Samantha": "Sam",
    "Nicholas": "Nick",
    "Anthony": "Tony",
    "Jessica": "Jess",
    "Rebecca": "Becky",
    "Francisco": "Paco",
    "José": "Pepe",
    "Guadalupe": "Lupe",
    "Jonathan": "Jon",
    "Benjamin": "Ben",
    "Matthew": "Matt",
    "Andrew": "Andy",
    "Steven": "Steve",
    "Timothy": "Tim",
    "Victoria": "Tori",
    "Deborah": "Debbie",
    "Susan": "Sue",
    "Edward": "Ed",
    "Jean-Pierre": "JP",
    "Gabriel": "Gabe",
    "Kimberly": "Kim",
}
STREET_WORDS = (
    "Main",
    "Washington",
    "Park",
    "Pleasant",
    "Highland",
    "Church",
    "Center",
    "School",
    "Maple",
    "Oak",
    "Elm",
    "Chestnut",
    "Walnut",
    "Cedar",
    "Pine",
    "Spring",
    "Prospect",
    "Union",
    "Summer",
    "Franklin",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Adams",
    "Hillside",
    "Lake",
    "River",
    "Harbor",
    "Bay",
    "Sunset",
    "Vista",
    "Orchard",
    "Meadow",
    "Willow",
    "Forest",
    "Ridge",
    "Valley",
    "Garden",
    "Mill",
    "Water",
    "Hancock",
    "Central",
    "Grove",
)
STREET_SUFFIXES = {
    "St": 30,
    "Ave": 20,
    "Rd": 12,
    "Dr": 10,
    "Ln": 6,
    "Ct": 5,
    "Pl": 4,
    "Way": 5,
    "Blvd": 3,
    "Ter": 2,
    "Cir": 3,
}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# Faker's US name lists are weighted by frequency; keep the weights.
_FEMALE = {
    "en": Weighted.of(EnUs.first_names_female),
    "es": Weighted.of(EsMx.first_names_female),
    "pt": Weighted.of(PtBr.first_names_female),
    "vi": Weighted.of(VIETNAMESE_GIVEN_FEMALE),
    "zh": Weighted.of(CHINESE_GIVEN),
    "fr": Weighted.of(FrFr.first_names_female),
    "ht": Weighted.of(HAITIAN_GIVEN_FEMALE),
    "in": Weighted.of(EnIn.first_names_female),
}
_MALE = {
    "en": Weighted.of(EnUs.first_names_male),
    "es": Weighted.of(EsMx.first_names_male),
    "pt": Weighted.of(PtBr.first_names_male),
    "vi": Weighted.of(VIETNAMESE_GIVEN_MALE),
    "zh": Weighted.of(CHINESE_GIVEN),
    "fr": Weighted.of(FrFr.first_names_male),
    "ht": Weighted.of(HAITIAN_GIVEN_MALE),
    "in": Weighted.of(EnIn.first_names_male),
}
_FAMILY = {
    "en": Weighted.of(EnUs.last_names),
    "es": Weighted.of(EsMx.last_names),
    "pt": Weighted.of(PtBr.last_names),
    "vi": Weighted.of(VIETNAMESE_SURNAMES),
    "zh": Weighted.of(CHINESE_SURNAMES),
    "fr": Weighted.of(FrFr.last_names),
    "ht": Weighted.of(HAITIAN_SURNAMES),
    "in": Weighted.of(EnIn.last_names),
}
_VI_MIDDLE = Weighted.of([m for m in ViVn.middle_names if m not in ("Văn", "Thị")])
_SUFFIX = Weighted.of(STREET_SUFFIXES)


@dataclass(frozen=True)
class Name:
    given: str
    middle: str | None
    family: str
    preferred: str | None = None


def _given(rng: random.Random, origin: str, female: bool) -> str:
    if origin == "ht" and rng.random() < 0.35:
        origin = "fr"  # many Haitian given names are simply French ones
    return (_FEMALE if female else _MALE)[origin].draw(rng)


def person_name(rng: random.Random, origin: str, female: bool) -> Name:
    """A name as a US registration desk would record it, for a person of ``origin``.

    ``origin`` is a name tradition: en, es, pt, vi, zh, ht, in.
    """
    given = _given(rng, origin, female)
    family = _FAMILY[origin].draw(rng)
    middle: str | None = None
    preferred: str | None = None
    if origin == "en":
        if rng.random() < 0.35:
            middle = _given(rng, "en", female)
        preferred = NICKNAMES.get(given) if rng.random() < 0.3 else None
    elif origin in ("es", "pt"):
        # Two family names (paternal, maternal) are common and often both recorded.
        if rng.random() < 0.35:
            second = _FAMILY[origin].draw(rng)
            if second != family:
                family = f"{family} {second}"
        preferred = NICKNAMES.get(given) if rng.random() < 0.2 else None
    elif origin == "vi":
        roll = rng.random()
        middle = (
            ("Thị" if female else "Văn")
            if roll < 0.6
            else _VI_MIDDLE.draw(rng)
            if roll < 0.85
            else None
        )
    elif origin == "zh":
        # Many Chinese Americans go by an English given name and keep the Chinese one as
        # a middle name.
        if rng.random() < 0.35:
            middle, given = given, _given(rng, "en", female)
    elif origin == "ht" and rng.random() < 0.2:
        middle = _given(rng, "ht", female)
    return Name(given, middle, family, preferred)


@lru_cache(maxsize=65536)
def cached_key(value: str) -> str:
    key = search_key(value)
    if not key:
        # A name whose search key is empty could never be found by name search.
        raise ValueError(f"name {value!r} has no ASCII search key")
    return key


def street_pool(seed: int, region: str, size: int = 400) -> tuple[str, ...]:
    """Street names for a region: surnames and common words with US suffixes."""
    fake = Faker("en_US")
    fake.seed_instance(f"{seed}:streets:{region}")
    rng = random.Random(f"{seed}:streets:{region}")
    names = set()
    while len(names) < size:
        base = fake.last_name() if rng.random() < 0.55 else rng.choice(STREET_WORDS)
        names.add(f"{base} {_SUFFIX.draw(rng)}")
    return tuple(sorted(names))


def street_address(rng: random.Random, streets: Sequence[str]) -> tuple[str, str | None]:
    number = rng.randint(1, 120) if rng.random() < 0.5 else rng.randint(121, 9999)
    line2 = None
    roll = rng.random()
    if roll < 0.18:
        line2 = f"Apt {rng.randint(1, 6)}{rng.choice('ABCD')}"
    elif roll < 0.24:
        line2 = f"Unit {rng.randint(1, 40)}"
    return f"{number} {rng.choice(streets)}", line2


def phone(rng: random.Random, area_codes: Sequence[str]) -> str:
    """A valid US number in E.164: a real area code and a plausible exchange.

    Exchanges are 200-999 (NANP), never 555 (fictional) or N11 (service codes).
    """
    while True:
        exchange = rng.randint(200, 999)
        if exchange != 555 and exchange % 100 != 11:
            break
    return f"+1{rng.choice(area_codes)}{exchange}{rng.randint(0, 9999):04d}"


def email(
    rng: random.Random, given: str, family: str, domains: Sequence[str] = EMAIL_DOMAINS
) -> str:
    g = cached_key(given).replace(" ", "")
    f = cached_key(family).replace(" ", "")
    style = rng.random()
    if style < 0.4:
        local = f"{g}.{f}"
    elif style < 0.6:
        local = f"{g[0]}{f}"
    elif style < 0.8:
        local = f"{g}{f}{rng.randint(1, 99)}"
    else:
        local = f"{g}.{f}{rng.randint(1950, 2015) % 100:02d}"
    return f"{local}@{rng.choice(domains)}"


def npi(rng: random.Random) -> str:
    """A 10-digit NPI: 9 digits and the Luhn check digit over "80840" + those digits."""
    body = str(rng.choice((1, 2))) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    total = 0
    # The check digit will sit at the right end, so the doubling starts at the digit
    # just left of it.
    for i, ch in enumerate(reversed("80840" + body)):
        digit = int(ch)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    value = body + str((10 - total % 10) % 10)
    assert npi_is_valid(value), value
    return value


# Medicare Beneficiary Identifier: 11 characters in CMS's fixed pattern of digits (N,
# the first one 1-9), letters (A, never S L O I B Z) and either (C).
_MBI_PATTERN = "1ACNACNAANN"
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"


def medicare_id(rng: random.Random) -> str:
    out = []
    for kind in _MBI_PATTERN:
        if kind == "1":
            out.append(str(rng.randint(1, 9)))
        elif kind == "N":
            out.append(str(rng.randint(0, 9)))
        elif kind == "A":
            out.append(rng.choice(_MBI_LETTERS))
        else:
            out.append(rng.choice(_MBI_LETTERS + "0123456789"))
    return "".join(out)


def birth_date(rng: random.Random, as_of: date, low_age: int, high_age: int) -> date:
    """A birth date giving an age in [low_age, high_age) on ``as_of``."""
    latest = _years_before(as_of, low_age)
    earliest = _years_before(as_of, high_age) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
