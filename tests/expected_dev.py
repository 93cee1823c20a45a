"""Hand-checked expectations for dev letters in ../shared/corpus/dev (short labeled values only).

Each decision: (item, outcome, quantity, body_regions, medication). For a partly certified
request the item is the whole paragraph; it is given here as (what the paragraph starts with,
what it ends with) so that no passage of the letter is copied.
"""

from typing import NamedTuple


class Case(NamedTuple):
    dates: tuple  # assigned, injury, decision, ur_denial, application_received
    states: list
    specialties: list
    patient: tuple  # age, sex
    outcome: str
    decisions: list


EXPECTED = {
    "CM16-0213037": Case(
        dates=("2016-11-09", "2016-10-13", "2016-12-09", "2016-11-03", "2016-11-03"),
        states=["California", "North Carolina"],
        specialties=["Family Practice"],
        patient=(48, "male"),
        outcome="upheld",
        decisions=[
            ("MRI of the right shoulder without contrast", "upheld", None, ["shoulder"], None),
            ("MRI of the cervical spine without contrast", "upheld", None, ["cervical spine"], None),
        ],
    ),
    "CM16-0219557": Case(
        dates=("2016-11-18", "2016-10-10", "2016-12-19", "2016-11-09", "2016-11-14"),
        states=["Texas", "New York", "California"],
        specialties=["Preventive Medicine", "Occupational Medicine"],
        patient=(34, "male"),
        outcome="upheld",
        decisions=[
            ("Facet joint injections L4-5, L5-S1", "upheld", None, ["lumbar spine"], None),
        ],
    ),
    "CM16-0224814": Case(
        dates=("2016-11-30", "2016-10-11", "2017-01-06", "2016-11-04", "2016-11-21"),
        states=["California"],
        specialties=["Family Practice"],
        patient=(32, "female"),
        outcome="upheld",
        decisions=[
            ("Cervical spine MRI without contrast", "upheld", None, ["cervical spine"], None),
        ],
    ),
    "CM16-0229336": Case(
        dates=("2016-12-05", "2016-10-20", "2016-12-30", "2016-10-28", "2016-11-28"),
        states=["California"],
        specialties=["Preventive Medicine", "Occupational Medicine"],
        patient=(78, "male"),
        outcome="overturned",
        decisions=[
            (
                (
                    "Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days for left foot fracture",
                    "Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days for left foot fracture is",
                ),
                "overturned",
                None,
                ["ankle/foot"],
                None,
            ),
        ],
    ),
    "CM16-0230548": Case(
        dates=("2016-12-06", "2016-11-01", "2017-01-04", "2016-12-01", "2016-12-01"),
        states=["Texas"],
        specialties=["Preventive Medicine", "Occupational Medicine"],
        patient=(60, "male"),
        outcome="partially_overturned",
        decisions=[
            ("MRI of neck and right hand without contrast", "upheld", None, ["cervical spine", "wrist/hand"], None),
            (
                "Acupuncture 3 times a week for 2 weeks, neck, right hand and head",
                "overturned",
                6,
                ["cervical spine", "wrist/hand", "head"],
                None,
            ),
        ],
    ),
    "CM16-0230651": Case(
        dates=("2016-12-07", "2016-10-13", "2017-01-09", "2016-11-22", "2016-11-29"),
        states=["California", "Washington"],
        specialties=["Physical Medicine & Rehabilitation", "Pain Management"],
        patient=(36, "female"),
        outcome="upheld",
        decisions=[
            ("EMG/NCV of the lower extremities", "upheld", None, ["other"], None),
            ("EMG/NCV of the upper extremities", "upheld", None, ["other"], None),
            (
                "Electro acupuncture to the low back two times a week times six weeks",
                "upheld",
                12,
                ["lumbar spine"],
                None,
            ),
            ("Infrared heat to the low back two times a week times six weeks", "upheld", 12, ["lumbar spine"], None),
            (
                "Myofascial release to the low back two times a week times six weeks",
                "upheld",
                12,
                ["lumbar spine"],
                None,
            ),
            ("MRI of the lumbar spine", "upheld", None, ["lumbar spine"], None),
            ("Chiropractic care to the low back two times a week for four weeks", "upheld", 8, ["lumbar spine"], None),
            ("Ultram 50mg #30", "upheld", 30, [], "Ultram"),
            ("Flexeril 10mg #60", "upheld", 60, [], "Flexeril"),
            (
                ("Physical therapy to the low back eight sessions", "Physical therapy to the low back two sessions is"),
                "upheld",
                2,
                ["lumbar spine"],
                None,
            ),
        ],
    ),
    "CM16-0233904": Case(
        dates=("2016-12-09", "2016-10-26", "2017-01-06", "2016-11-09", "2016-12-05"),
        states=["New Jersey", "New York"],
        specialties=["Family Practice"],
        patient=(37, "female"),
        outcome="upheld",
        decisions=[
            (("Baclofen 100mg #30", "Baclofen 100mg #3"), "upheld", 3, [], "Baclofen"),
        ],
    ),
    "CM16-0234464": Case(
        dates=("2016-12-16", "2016-10-14", "2017-01-20", "2016-11-08", "2016-12-06"),
        states=["California", "Missouri", "Mississippi"],
        specialties=["Physical Medicine & Rehabilitation"],
        patient=(33, "male"),
        outcome="upheld",
        decisions=[
            ("Single positional MRI of the cervical spine", "upheld", None, ["cervical spine"], None),
            ("Single positional MRI of the lumbar spine", "upheld", None, ["lumbar spine"], None),
            ("Single positional MRI of the right hand", "upheld", None, ["wrist/hand"], None),
            ("Diclofenac ER 100mg #60", "upheld", 60, [], "Diclofenac"),
            (("Cyclobenzaprine 7.5mg #90", "Cyclobenzaprine 7.5mg #27 is"), "upheld", 27, [], "Cyclobenzaprine"),
            ("Lidocaine ointment 5% 106.32gm", "upheld", None, [], "Lidocaine"),
        ],
    ),
    "CM16-0235869": Case(
        dates=("2016-12-13", "2016-10-27", "2017-01-18", "2016-11-30", "2016-12-08"),
        states=["Texas", "New York"],
        specialties=["Physical Medicine & Rehabilitation", "Sports Medicine"],
        patient=(55, "male"),
        outcome="upheld",
        decisions=[
            ("Four sessions of physical therapy two times a week times 2 weeks", "upheld", 4, [], None),
            ("Four sessions of electrical stimulation two times a week times 2 weeks", "upheld", 4, [], None),
            ("Four sessions of infrared therapy two times a week times 2 weeks", "upheld", 4, [], None),
            ("Four sessions of manual therapy two times a week times 2 weeks", "upheld", 4, [], None),
            ("Four sessions of therapeutic exercise two times a week times 2 weeks", "upheld", 4, [], None),
            ("Four sessions of biofeedback two times a week times 2 weeks", "upheld", 4, [], None),
        ],
    ),
    "CM16-0242419": Case(
        dates=("2017-01-04", "2016-10-12", "2017-01-27", "2016-11-30", "2016-12-17"),
        states=["Texas"],
        specialties=["Preventive Medicine", "Occupational Medicine"],
        patient=(43, "female"),
        outcome="partially_overturned",
        decisions=[
            ("Acupuncture therapy sessions lumbar spine #6", "overturned", 6, ["lumbar spine"], None),
            ("MRI of the lumbar spine", "upheld", None, ["lumbar spine"], None),
        ],
    ),
    "CM16-0243453": Case(
        dates=("2016-12-23", "2016-10-10", "2017-01-26", "2016-12-15", "2016-12-19"),
        states=["Texas", "Oklahoma"],
        specialties=["Physical Medicine & Rehabilitation", "Pain Management"],
        patient=(60, "female"),
        outcome="upheld",
        decisions=[
            ("MRI of the right knee", "upheld", None, ["knee"], None),
            ("MRI of the lumbar spine", "upheld", None, ["lumbar spine"], None),
            (
                "Chirophysio therapy two times a week for four weeks for the right elbow and right knee",
                "upheld",
                8,
                ["elbow", "knee"],
                None,
            ),
            (
                (
                    "Chirophysio therapy for the cervical spine, thoracic spine, and lumbar spine, two times a week for four weeks (8 sessions)",
                    "Chirophysio therapy for the cervical spine, thoracic spine, and lumbar spine, 2 sessions is",
                ),
                "upheld",
                2,
                ["cervical spine", "thoracic spine", "lumbar spine"],
                None,
            ),
        ],
    ),
    "CM16-0248698": Case(
        dates=("2017-01-04", "2016-10-26", "2017-02-02", "2016-12-23", "2016-12-28"),
        states=["Texas", "New York"],
        specialties=["Physical Medicine & Rehabilitation", "Sports Medicine"],
        patient=(39, "male"),
        outcome="upheld",
        decisions=[
            ("X-rays lumbar spine", "upheld", None, ["lumbar spine"], None),
            ("X-rays of right hip", "upheld", None, ["hip"], None),
            (("Acupuncture 18 sessions", "Acupuncture 12 sessions is"), "upheld", 12, [], None),
            ("Functional capacity evaluation (FCE)", "upheld", None, [], None),
            ("MARS MRI scan of lumbar spine", "upheld", None, ["lumbar spine"], None),
            ("MARS MRI scan of right hip", "upheld", None, ["hip"], None),
            ("EMG bilateral lower extremities", "upheld", None, ["other"], None),
            ("NCV bilateral lower extremities QTY: 2", "upheld", 2, ["other"], None),
            ("Deprizine (unknown quantity)", "upheld", None, [], "Deprizine"),
            ("Fanatrex (unknown quantity)", "upheld", None, [], "Fanatrex"),
            ("Synapryn (unknown quantity)", "upheld", None, [], "Synapryn"),
            ("Tabradol (unknown quantity)", "upheld", None, [], "Tabradol"),
            ("Ketophene (unknown quantity)", "upheld", None, [], "Ketophene"),
            ("Ketoprofen 20% in cream base 240g", "upheld", None, [], "Ketoprofen"),
            ("Cyclobenzaprine 5% in cream base 240g", "upheld", None, [], "Cyclobenzaprine"),
            ("Bupropion HCL 150mg #90", "upheld", 90, [], "Bupropion"),
            ("Prilosec 20mg #90", "upheld", 90, [], "Prilosec"),
            ("Pantoprazole sodium 20mg #60", "upheld", 60, [], "Pantoprazole"),
            ("Celecoxib 200mg #90", "upheld", 90, [], "Celecoxib"),
            ("Venlafaxine HCL ER 37.5mg #90", "upheld", 90, [], "Venlafaxine"),
            ("Dicopanol (unknown quantity)", "upheld", None, [], "Dicopanol"),
        ],
    ),
    "CM16-0249724": Case(
        dates=("2017-01-05", "2016-10-25", "2017-02-07", "2016-12-07", "2016-12-29"),
        states=["California", "Washington"],
        specialties=["Physical Medicine & Rehabilitation", "Pain Management"],
        patient=(43, "male"),
        outcome="upheld",
        decisions=[
            (
                ("Standard wheelchair for a 3 month rental", "standard wheelchair for a 2 month rental is"),
                "upheld",
                None,
                [],
                None,
            ),
            (
                ("Purchase of a bedside 3 in 1 commode", "purchase of a bedside 3 in 1 commode is"),
                "upheld",
                None,
                [],
                None,
            ),
            (("Purchase of a bath/shower chair", "purchase of a bath/shower chair is"), "upheld", None, [], None),
        ],
    ),
    "CM17-0001749": Case(
        dates=("2017-01-06", "2016-10-17", "2017-02-02", "2016-12-21", "2017-01-03"),
        states=["New York", "California", "Georgia"],
        specialties=["Internal Medicine"],
        patient=(54, "female"),
        outcome="overturned",
        decisions=[
            (
                ("Partial Hospitalization day treatment", "Partial Hospitalization day treatment is"),
                "overturned",
                None,
                [],
                None,
            ),
        ],
    ),
    "CM17-0002198": Case(
        dates=("2017-01-09", "2016-10-11", "2017-01-31", "2016-12-27", "2017-01-03"),
        states=["New Jersey", "New York"],
        specialties=["Family Practice"],
        patient=(41, "male"),
        outcome="upheld",
        decisions=[
            (
                (
                    "Eight physical therapy sessions for the lumbar spine, left shoulder, left wrist and left knee",
                    "two physical therapy sessions for the lumbar spine, left shoulder and left knee and eight physical therapy sessions for the left wrist is",
                ),
                "upheld",
                10,
                ["lumbar spine", "shoulder", "wrist/hand", "knee"],
                None,
            ),
            (
                (
                    "Eight occupational therapy sessions for the lumbar spine, left shoulder, left wrist and left knee",
                    "two occupational therapy sessions for the left wrist and eight occupational therapy sessions for the lumbar spine, left shoulder and left knee is",
                ),
                "upheld",
                10,
                ["lumbar spine", "shoulder", "wrist/hand", "knee"],
                None,
            ),
        ],
    ),
    "CM17-0008241": Case(
        dates=("2017-01-17", "2016-10-16", "2017-02-09", "2017-01-03", "2017-01-12"),
        states=["California", "North Carolina"],
        specialties=["Family Practice"],
        patient=(28, "female"),
        outcome="upheld",
        decisions=[
            ("Open MRI of the lumbar spine without contrast", "upheld", None, ["lumbar spine"], None),
        ],
    ),
    "CM17-0010420": Case(
        dates=("2017-01-20", "2016-10-12", "2017-02-17", "2016-12-21", "2017-01-16"),
        states=["Texas"],
        specialties=["Surgery"],
        patient=(59, "male"),
        outcome="partially_overturned",
        decisions=[
            ("Pre-op chest x-ray", "overturned", None, ["other"], None),
            ("Pre-op labs: CBC", "overturned", None, [], None),
            ("Pre-op labs: CMP", "overturned", None, [], None),
            ("Pre-op labs: PT/PTT", "upheld", None, [], None),
            ("Pre-op urinalysis", "overturned", None, [], None),
            ("Post-op Norco 5/325mg #60, 1-2 tabs orally every 4-6 hrs as needed", "overturned", 60, [], "Norco"),
            ("Post-op Colace 100mg #60, 1 tablet by mouth as needed", "overturned", 60, [], "Colace"),
        ],
    ),
    "CM17-0010885": Case(
        dates=("2017-01-20", "2016-10-18", "2017-02-14", "2017-01-10", "2017-01-17"),
        states=["Iowa", "Montana", "California"],
        specialties=["Preventive Medicine", "Occupational Medicine", "Public Health & General Preventive Medicine"],
        patient=(50, "female"),
        outcome="overturned",
        decisions=[
            (
                "Initial acupuncture, 1 to 2 times per week for 4 weeks, for the neck",
                "overturned",
                None,
                ["cervical spine"],
                None,
            ),
            (
                "Additional physical therapy, 1 to 2 times per week for 3 weeks, for the neck",
                "overturned",
                None,
                ["cervical spine"],
                None,
            ),
        ],
    ),
    "CM17-0013587": Case(
        dates=("2017-01-25", "2016-10-10", "2017-02-22", "2017-01-08", "2017-01-20"),
        states=["Pennsylvania"],
        specialties=["Internal Medicine", "Hospice & Palliative Medicine"],
        patient=(45, "male"),
        outcome="upheld",
        decisions=[
            (("Follow up office visit times 3", "Follow up office visit times 2 is"), "upheld", 2, [], None),
            ("Electrocardiogram times 3", "upheld", 3, [], None),
        ],
    ),
    "CM17-0014449": Case(
        dates=("2017-01-27", "2016-10-15", "2017-02-27", "2017-01-06", "2017-01-23"),
        states=["Texas"],
        specialties=["Orthopedic Surgery"],
        patient=(26, "female"),
        outcome="upheld",
        decisions=[
            (
                "Operative arthroscopy, superior labral anterior posterior repair, right shoulder",
                "upheld",
                None,
                ["shoulder"],
                None,
            ),
            ("Associated surgical service: Ultrasling", "upheld", None, [], None),
            ("Associated surgical service: Vascutherm unit, 14 days rental", "upheld", 14, [], None),  # days counted
            ("Associated surgical service: Hip pad", "upheld", None, ["hip"], None),
            ("Associated surgical service: 2 leg wraps", "upheld", 2, ["other"], None),
            ("Associated surgical service: EMS/TENS unit", "upheld", None, [], None),
            ("Associated surgical service: Medical clearance", "upheld", None, [], None),
            ("Associated surgical service: EKG", "upheld", None, [], None),
            ("Associated surgical service: Chest x-ray", "upheld", None, ["other"], None),
            ("Associated surgical service: Labs - CBC", "upheld", None, [], None),
            ("Associated surgical service: Labs - PT/PTT", "upheld", None, [], None),
            ("Associated surgical service: UA", "upheld", None, [], None),
            ("Associated surgical service: Labs - Chem panel", "upheld", None, [], None),
            ("Post-op physical therapy 12-18 sessions", "upheld", None, [], None),
            ("Assistant surgeon", "upheld", None, [], None),
        ],
    ),
    "CM17-0015218": Case(
        dates=("2017-01-27", "2016-12-13", "2017-02-27", "2017-01-13", "2017-01-24"),
        states=["California"],
        specialties=["Orthopedic Surgery", "Hand Surgery", "Sports Medicine"],
        patient=(34, "male"),
        outcome="overturned",
        decisions=[
            (
                (
                    "Retrospective: Open reduction internal fixation on left distal radius fracture with open carpal tunnel release DOS 12/13/2016",
                    "with open carpal tunnel release is",
                ),
                "overturned",
                None,
                ["wrist/hand"],
                None,
            ),
        ],
    ),
    "CM17-0019120": Case(
        dates=("2017-01-31", "2016-11-09", "2017-02-24", "2017-01-25", "2017-01-30"),
        states=["New Jersey"],
        specialties=["Family Practice"],
        patient=(24, "male"),
        outcome="partially_overturned",
        decisions=[
            (
                "Six physical therapy sessions two times a week for three weeks for the neck, left trapezius and low back",
                "upheld",
                6,
                ["cervical spine", "lumbar spine"],
                None,
            ),
            ("MRI of the right knee without contrast", "overturned", None, ["knee"], None),
        ],
    ),
    "CM17-0021656": Case(
        dates=("2017-02-02", "2016-11-02", "2017-02-27", "2017-01-25", "2017-02-02"),
        states=["Arizona", "California"],
        specialties=["Family Practice"],
        patient=(65, "female"),
        outcome="upheld",
        decisions=[
            ("MRI of the right foot", "upheld", None, ["ankle/foot"], None),
        ],
    ),
}
