"""Real towns of the demo's three regions, with their ZIP codes and area codes.

Area codes are the ones in service there (overlays included), so generated numbers
pass ``phonenumbers``' validity check; weights roughly follow where each organization's
patients would live.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    state: str
    postal_codes: tuple[str, ...]
    area_codes: tuple[str, ...]
    # Relative share of the organization's patients living there.
    weight: int


BOSTON, LOWELL, BROCKTON, NORTH_SHORE = (
    ("617", "857"),
    ("978", "351"),
    ("508", "774"),
    ("781", "339"),
)
MASSACHUSETTS = (
    City("Dorchester", "MA", ("02121", "02122", "02124", "02125"), BOSTON, 10),
    City("Quincy", "MA", ("02169", "02170", "02171"), BOSTON, 8),
    City("Everett", "MA", ("02149",), BOSTON, 5),
    City("Brockton", "MA", ("02301", "02302"), BROCKTON, 7),
    City("Mattapan", "MA", ("02126",), BOSTON, 5),
    City("East Boston", "MA", ("02128",), BOSTON, 5),
    City("Roxbury", "MA", ("02119", "02120"), BOSTON, 5),
    City("Somerville", "MA", ("02143", "02144", "02145"), BOSTON, 5),
    City("Cambridge", "MA", ("02138", "02139", "02140", "02141"), BOSTON, 5),
    City("Chelsea", "MA", ("02150",), BOSTON, 4),
    City("Malden", "MA", ("02148",), NORTH_SHORE, 5),
    City("Lynn", "MA", ("01901", "01902", "01904", "01905"), NORTH_SHORE, 5),
    City("Revere", "MA", ("02151",), NORTH_SHORE, 4),
    City("Medford", "MA", ("02155",), NORTH_SHORE, 4),
    City("Randolph", "MA", ("02368",), NORTH_SHORE, 3),
    City("Braintree", "MA", ("02184",), NORTH_SHORE, 3),
    City("Framingham", "MA", ("01701", "01702"), BROCKTON, 4),
    City("Lowell", "MA", ("01850", "01851", "01852", "01854"), LOWELL, 5),
    City("Lawrence", "MA", ("01840", "01841", "01843"), LOWELL, 4),
    City("Worcester", "MA", ("01603", "01604", "01605", "01610"), BROCKTON, 5),
    City("Waltham", "MA", ("02451", "02452", "02453"), NORTH_SHORE, 3),
    City("Hyde Park", "MA", ("02136",), BOSTON, 4),
    City("Jamaica Plain", "MA", ("02130",), BOSTON, 4),
    City("Weymouth", "MA", ("02188", "02189", "02190", "02191"), NORTH_SHORE, 3),
    City("Milton", "MA", ("02186",), BOSTON, 2),
    City("Newton", "MA", ("02458", "02459", "02460"), BOSTON, 3),
    City("Stoughton", "MA", ("02072",), NORTH_SHORE, 2),
    City("Dedham", "MA", ("02026",), NORTH_SHORE, 2),
    City("Norwood", "MA", ("02062",), NORTH_SHORE, 2),
    City("Salem", "MA", ("01970",), LOWELL, 2),
)

CHICAGO, NORTH_SUBURBS, WEST_SUBURBS = ("312", "773", "872"), ("847", "224"), ("630", "331")
ILLINOIS = (
    City(
        "Chicago",
        "IL",
        (
            "60608",
            "60609",
            "60614",
            "60616",
            "60618",
            "60622",
            "60623",
            "60625",
            "60629",
            "60632",
            "60639",
            "60640",
            "60647",
            "60657",
        ),
        CHICAGO,
        40,
    ),
    City("Evanston", "IL", ("60201", "60202"), NORTH_SUBURBS, 4),
    City("Naperville", "IL", ("60540", "60563", "60565"), WEST_SUBURBS, 5),
    City("Springfield", "IL", ("62701", "62702", "62703", "62704"), ("217", "447"), 3),
    City("Skokie", "IL", ("60076", "60077"), NORTH_SUBURBS, 3),
    City("Oak Park", "IL", ("60302", "60304"), ("708",), 3),
    City("Cicero", "IL", ("60804",), ("708",), 3),
    City("Berwyn", "IL", ("60402",), ("708",), 2),
    City("Aurora", "IL", ("60502", "60504", "60505", "60506"), WEST_SUBURBS, 5),
    City("Joliet", "IL", ("60431", "60432", "60435", "60436"), ("815", "779"), 4),
    City("Elgin", "IL", ("60120", "60123", "60124"), NORTH_SUBURBS, 3),
    City("Waukegan", "IL", ("60085", "60087"), NORTH_SUBURBS, 3),
    City("Schaumburg", "IL", ("60173", "60193", "60194"), NORTH_SUBURBS, 3),
    City("Rockford", "IL", ("61101", "61103", "61104", "61107", "61108"), ("815", "779"), 4),
    City("Peoria", "IL", ("61602", "61603", "61604", "61614"), ("309",), 3),
    City("Champaign", "IL", ("61820", "61821", "61822"), ("217", "447"), 3),
    City("Bloomington", "IL", ("61701", "61704"), ("309",), 2),
)

ORANGE, COAST = ("714", "657"), ("949",)
SOUTHERN_CALIFORNIA = (
    City("Irvine", "CA", ("92602", "92604", "92606", "92612", "92614", "92618", "92620"), COAST, 8),
    City("Garden Grove", "CA", ("92840", "92841", "92843", "92844", "92845"), ORANGE, 7),
    City("Santa Ana", "CA", ("92701", "92703", "92704", "92705", "92706", "92707"), ORANGE, 8),
    City("Huntington Beach", "CA", ("92646", "92647", "92648", "92649"), ORANGE, 6),
    City("Anaheim", "CA", ("92801", "92802", "92804", "92805", "92806", "92807"), ORANGE, 8),
    City("Mission Viejo", "CA", ("92691", "92692"), COAST, 4),
    City("Fullerton", "CA", ("92831", "92832", "92833", "92835"), ORANGE, 4),
    City(
        "Long Beach",
        "CA",
        (
            "90802",
            "90803",
            "90804",
            "90805",
            "90806",
            "90807",
            "90808",
            "90810",
            "90813",
            "90814",
            "90815",
        ),
        ("562",),
        7,
    ),
    City("Westminster", "CA", ("92683",), ORANGE, 5),
    City("Costa Mesa", "CA", ("92626", "92627"), ORANGE, 4),
    City("Newport Beach", "CA", ("92660", "92663"), COAST, 3),
    City("Tustin", "CA", ("92780", "92782"), ORANGE, 3),
    City("Orange", "CA", ("92865", "92866", "92867", "92868", "92869"), ORANGE, 4),
    City("Fountain Valley", "CA", ("92708",), ORANGE, 3),
    City("Lake Forest", "CA", ("92630",), COAST, 3),
    City("Laguna Niguel", "CA", ("92677",), COAST, 2),
    City("Yorba Linda", "CA", ("92886", "92887"), ORANGE, 2),
    City("Cerritos", "CA", ("90703",), ("562",), 2),
)
