import pytest

from imr_llm.items import classify, parse_body_regions, parse_medication, parse_quantity, reviewed_part


@pytest.mark.parametrize(
    "item, quantity",
    [
        ("PT 2X4 FOR THE L/S", 8),
        ("Physical therapy 3 times a week for 4 weeks", 12),
        ("Acupuncture two times a week times six weeks", 12),
        ("Chiropractic twice a week for 3 weeks", 6),
        ("Physical therapy x 12", 12),
        ("Norco 10/325mg #120", 120),
        ("Physical therapy, nine (9) sessions", 9),
        ("Four sessions of manual therapy", 4),
        ("Follow up office visit times 3", 3),
        ("NCV bilateral lower extremities QTY: 2", 2),
        ("Oxycodone HCL ER 20mg #60 day supply: 30", 60),
        ("Tylenol #3", None),
        ("Lidocaine ointment 5% 106.32gm", None),
        ("Facet joint injections L4-5, L5-S1", None),
        ("Post-op physical therapy 12-18 sessions", None),
        ("Initial acupuncture, 1 to 2 times per week for 4 weeks", None),
        ("Three phase bone scan to the left foot", None),
        ("MRI of the lumbar spine", None),
    ],
)
def test_quantity_only_where_the_item_states_it(item, quantity):
    assert parse_quantity(item) == quantity


def test_partly_certified_request_counts_the_portion_under_review():
    item = (
        "Acupuncture for the neck twelve sessions was the original request. Acupuncture for the neck eight "
        "sessions was authorized by the Claims Administrator. The remaining IMR eligible portion of the "
        "original request, Acupuncture for the neck four sessions is"
    )
    assert reviewed_part(item) == "Acupuncture for the neck four sessions"
    assert parse_quantity(item) == 4


@pytest.mark.parametrize(
    "item, regions",
    [
        ("MRI FOR THE C/S AND L/S", ["cervical spine", "lumbar spine"]),
        ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head", ["cervical spine", "wrist/hand", "head"]),
        ("Facet joint injections L4-5, L5-S1", ["lumbar spine"]),
        ("Knee brace and ankle support", ["knee", "ankle/foot"]),
        ("EMG/NCV of the lower extremities", ["other"]),
        ("Back support", ["lumbar spine"]),
        ("Upper back massage", ["thoracic spine"]),
        ("Physical therapy x 12", []),
    ],
)
def test_body_regions_named_in_the_item(item, regions):
    assert parse_body_regions(item) == regions


@pytest.mark.parametrize(
    "item, medication",
    [
        ("Norco 10/325mg #120", "Norco"),
        ("Meloxicam (Mobic) 7.5mg #30", "Meloxicam"),
        ("Venlafaxine HCL ER 37.5mg #90", "Venlafaxine"),
        ("Anecream cream 4% #30", "Anecream"),  # not in the table: read from "<Name> <strength>"
        ("Physical therapy x 12", None),
        ("MRI of the lumbar spine", None),
    ],
)
def test_medication_as_written(item, medication):
    assert parse_medication(item) == medication


@pytest.mark.parametrize(
    "item, expected",
    [
        ("Norco 10/325mg #120", ("Pharmaceuticals", "Opioids")),
        ("Gabapentin 10%, Cyclobenzaprine 6% in cream base", ("Pharmaceuticals", "Topical Compounds")),
        ("MRI of the lumbar spine", ("Diagnostic Testing", "Imaging")),
        ("EMG/NCV of the upper extremities", ("Diagnostic Testing", "EMG/NCV")),
        ("Electro acupuncture to the low back", ("Rehabilitation", "Acupuncture")),
        ("TENS unit", ("DMEPOS", "Electrical Stimulation")),
        ("Facet joint injections L4-5, L5-S1", ("Injection", "Facet Injection")),
        ("Arthroscopy of the left knee", ("Surgery", "Arthroscopic")),
        ("Functional restoration program", ("Programs", None)),
        ("Post-op physical therapy 12 sessions", ("Rehabilitation", "PT/OT")),
        ("Pre-op chest x-ray", ("Surgery", "Adjunct Surgical Services")),
        ("Electrical stimulation two times a week for 4 weeks", ("Rehabilitation", "PT/OT")),
        ("Interferential unit rental", ("DMEPOS", "Electrical Stimulation")),
        ("Partial hospitalization program", ("Psych Services", "Therapies")),
        ("Synapryn 10mg/ml oral suspension", ("Pharmaceuticals", "Opioids")),
        ("Something nobody has asked for", (None, None)),
    ],
)
def test_category_rules(item, expected):
    assert classify(item, parse_medication(item)) == expected
