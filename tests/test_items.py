import pytest

from imr_llm.items import parse_body_regions, parse_medication, parse_quantity, reviewed_part


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
        # Where no sessions or pills are counted: the days or hours the item counts.
        ("TENS unit rental x 10 days", 10),
        ("Associated surgical service: Vascutherm unit, 14 days rental", 14),
        ("Associated surgical service: Cryotherapy unit, seven day use", 7),
        ("Home health care 4 hours per day, 5 days a week for 4 weeks", 20),
        ("Functional restoration program 160 hours", 160),
        ("Functional restoration program x 4 weeks", 4),
        ("NCV of the bilateral lower extremities, 2", 2),
        ("Daily RN for 4 weeks for wound care", 28),
        # Durations that describe a thing, not how much of it is asked for.
        ("24 hour Holter monitor", None),
        ("Home health aide 8 hours a day", None),
        ("Tramadol ER 150mg, 30 day supply", None),
        ("Inpatient rehabilitation 7-10 days", None),
        ("Physical therapy for 6 weeks", None),
        ("Standard wheelchair for a 3 month rental", None),
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
        ("1 knee scooter", []),  # a device's name, not the body part treated
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


def test_a_drug_is_found_however_it_is_capitalised():
    # Drug names are matched against the item folded to lower case; the name comes back as written.
    assert parse_medication("NORCO 10/325MG #90") == "NORCO"
    assert parse_medication("Retrospective request for Cyclobenzaprine 7.5mg") == "Cyclobenzaprine"
    assert parse_medication("Senokot-S, 60 tablets") == "Senokot"  # a one-letter suffix is still the drug
    assert parse_medication("Lidocaïne patch") is None  # a letter lower() leaves as it is: no drug of that name
