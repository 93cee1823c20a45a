import pytest

from imr_llm.categories import classify
from imr_llm.items import parse_medication
from imr_llm.taxonomy import CONVENTIONS, is_subcategory


def classified(item):
    found = classify(item, parse_medication(item))
    return found.category, found.subcategory


@pytest.mark.parametrize(
    "item, expected",
    [
        ("Norco 10/325mg #120", ("Pharmaceuticals", "Opioids")),
        ("Gabapentin 10%, Cyclobenzaprine 6% in cream base", ("Pharmaceuticals", "Topical Compounds")),
        ("Ketoprofen 20% in cream base 240g", ("Pharmaceuticals", "Topical Compounds")),  # no commercial ketoprofen topical
        ("Lidocaine ointment 5% 106.32gm", ("Pharmaceuticals", "Topical Analgesics")),
        ("Flector 1.3% transdermal patch", ("Pharmaceuticals", "Topical Analgesics")),
        ("Ketophene (unknown quantity)", ("Pharmaceuticals", "Topical Compounds")),  # a compounding kit
        ("Deprizine (unknown quantity)", ("Pharmaceuticals", "H2 Blocker")),  # an oral kit: its drug's class
        ("Post-op Colace 100mg #60", ("Pharmaceuticals", "GI Agents")),
        ("Sumatriptan 50mg #9", ("Pharmaceuticals", "Antimigraine Agent")),
        ("Synvisc-One injection to the right knee", ("Pharmaceuticals", "Viscosupplementation")),
        ("Anecream cream 4% #30", ("Pharmaceuticals", "Topical Analgesics")),
        ("Zorblax 10mg #30", ("Pharmaceuticals", None)),  # a drug the table does not know: class left open
        ("MRI of the lumbar spine", ("Diagnostic Testing", "Imaging")),
        ("EMG/NCV of the upper extremities", ("Diagnostic Testing", "EMG/NCV")),
        ("Urine drug testing", ("Diagnostic Testing", "Lab & Pathology")),
        ("Functional capacity evaluation (FCE)", ("Diagnostic Testing", "Other Diagnostic Tests")),
        ("24 hour Holter monitor", ("Diagnostic Testing", "Other Diagnostic Tests")),
        ("Electro acupuncture to the low back", ("Rehabilitation", "Acupuncture")),
        ("Chiro with modalities 2 times a week for 6 weeks for neck, back", ("Rehabilitation", "Chiropractic")),
        ("Electrical stimulation two times a week for 4 weeks", ("Rehabilitation", "Other Therapies")),
        ("Pulsed Ultrasound 2 times a week for 4 weeks", ("Rehabilitation", "Other Therapies")),
        ("Unknown shockwave treatments", ("Rehabilitation", "Other Therapies")),
        ("TENS unit", ("DMEPOS", "Electrical Stimulation")),
        ("Interferential unit rental", ("DMEPOS", "Electrical Stimulation")),
        ("Cervical traction unit", ("DMEPOS", "DME")),  # traction to own, not traction sessions
        ("Lumbar support", ("DMEPOS", "Prosthetics/Orthotics")),
        ("Hospital bed for an unspecified rental", ("DMEPOS", "DME")),
        ("Facet joint injections L4-5, L5-S1", ("Injection", "Facet Injection")),
        ("Lumbar medial branch block", ("Injection", "Facet Injection")),
        ("Ultrasound guided injection of the shoulder", ("Injection", "Injection")),
        ("Arthroscopy of the left knee", ("Surgery", "Arthroscopic")),
        ("Right shoulder rotator cuff repair, arthroscopic", ("Surgery", "Arthroscopic")),
        ("L4-5 laminectomy and fusion", ("Surgery", "Spine")),
        ("Open reduction internal fixation of the left distal radius", ("Surgery", "Non-arthroscopic")),
        ("Pre-op chest x-ray", ("Surgery", "Adjunct Surgical Services")),
        ("Associated surgical service: Physical Therapy sessions, 12", ("Surgery", "Adjunct Surgical Services")),
        ("Functional restoration program", ("Programs", None)),
        ("Partial hospitalization program", ("Psych Services", "Therapies")),
        ("Comprehensive psychological testing", ("Psych Services", "Evaluation & Management")),
        ("Daily RN for 4 weeks for wound care and medication management", ("Home Health", None)),
        ("Transportation to and from medical appointments", ("Transportation", None)),
        ("Medication management consultation", ("Evaluation & Management", "Medical Specialties")),
        ("Physical medicine and rehabilitation consultation", ("Evaluation & Management", "Medical Specialties")),
        # a referral given in sessions is the treatment it refers to
        ("Referral to chiropractor for evaluation of low back pain, twice a week for 3 weeks", ("Rehabilitation", "Chiropractic")),
        ("Post-surgical physical therapy evaluation", ("Rehabilitation", "PT/OT")),
        ("Evaluation for physical therapy after surgery", ("Rehabilitation", "PT/OT")),
        ("Follow-up visit with the orthopedic surgeon", ("Surgery", "Surgical Consult")),
        ("Re-exam with chiropractor for the lumbar spine flare-up", ("Rehabilitation", "Chiropractic")),
        ("Something nobody has asked for", (None, None)),
    ],
)
def test_category_rules(item, expected):
    assert classified(item) == expected


@pytest.mark.parametrize("convention", CONVENTIONS, ids=lambda c: c.what[:40])
def test_every_convention_is_what_the_rules_do(convention):
    for example in convention.examples:
        category, subcategory = classified(example)
        assert category == convention.category, example
        if convention.subcategory is not None:
            assert subcategory == convention.subcategory, example


def test_every_answer_carries_its_basis():
    assert classify("MRI of the lumbar spine").basis == "imaging: MRI"
    assert classify("Norco 10/325mg #120", "Norco").basis == "drug table: norco"
    assert classify("Associated surgical service: Ultrasling").basis == "surgical service: Associated surgical service"
    assert classify("Something nobody has asked for").basis is None


@pytest.mark.parametrize("item", [c for convention in CONVENTIONS for c in convention.examples]
                         + ["Tramadol 50mg #60", "Knee brace", "Gym membership", "Hearing aids"])
def test_no_rule_names_what_the_dwc_does_not_have(item):
    category, subcategory = classified(item)
    assert category is None or is_subcategory(category, subcategory)
