"""Diagnoses read from a case summary's own statement of them, split as LABELING.md says."""

import pytest

from imr_llm.diagnoses import diagnoses_in


@pytest.mark.parametrize(
    "summary, diagnoses",
    [
        ("The injured worker is a 40 year old male. The current diagnoses are documented as lumbar strain and right "
         "knee sprain. He reports pain.", ["lumbar strain", "right knee sprain"]),
        ("The patient was diagnosed with carpal tunnel syndrome, cervical strain, and insomnia. Treatment included PT.",
         ["carpal tunnel syndrome", "cervical strain", "insomnia"]),
        ("The injured worker is being treated for contusion of face, scalp and neck and acute cervical sprain.",
         ["contusion of face, scalp and neck", "acute cervical sprain"]),
        ("The worker is undergoing treatment for left buttock and left thigh sciatic pain, right knee contusion and injury.",
         ["left buttock and left thigh sciatic pain", "right knee contusion and injury"]),
        ("Diagnoses included lumbar strain, subsequent encounter and sciatica of left side.",
         ["lumbar strain, subsequent encounter", "sciatica of left side"]),
        ("The current diagnosis is documented as other intervertebral disc displacement, lumbosacral region.",
         ["other intervertebral disc displacement, lumbosacral region"]),
        # semicolons separate the entries: a comma inside one stays
        ("The listed diagnoses per the requesting physician are chronic neck pain, cervical spondylosis; pain disorder; "
         "and insomnia. According to the report dated 05/12/2014, the patient complains of pain.",
         ["chronic neck pain, cervical spondylosis", "pain disorder", "insomnia"]),
        ("The patient is a 53-year-old female who has submitted a claim for lumbar disc herniation and lumbar neuritis "
         "associated with an industrial injury date of 07/15/2011.", ["lumbar disc herniation", "lumbar neuritis"]),
        ("The applicant has filed a claim for neck, low back, and mid back pain reportedly associated with an "
         "industrial injury of October 1, 2016.", ["neck, low back, and mid back pain"]),
        ('The provider gave the applicant a diagnosis of "lumbar pain with radiculopathy." On a later visit he improved.',
         ["lumbar pain with radiculopathy"]),
        ("The diagnoses include: 1. Lumbar sprain/strain. 2. Lumbar radiculopathy. The patient complains of pain.",
         ["Lumbar sprain/strain", "Lumbar radiculopathy"]),
        ("The worker is being treated for numbness and weakness bilateral upper extremities rule out carpal tunnel "
         "syndrome.", ["numbness and weakness bilateral upper extremities", "rule out carpal tunnel syndrome"]),
        ("The worker is undergoing treatment for left foot pain and rule out complex regional pain syndrome.",
         ["left foot pain", "rule out complex regional pain syndrome"]),
        ("The injured worker has fleeting homicidal and suicidal thoughts, per the psychologist.", []),
        ("The patient presents with low back pain. There was no diagnosis of radiculopathy.", []),
    ],
)
def test_diagnoses_as_the_summary_states_them(summary, diagnoses):
    assert diagnoses_in(summary) == diagnoses


def test_each_diagnosis_is_verbatim_in_the_summary():
    summary = ("The injured worker was diagnosed as having bilateral shoulder sprain-strain, severe tendonitis on right "
               "lateral epicondyle, and insomnia. Treatment to date has included medication.")
    found = diagnoses_in(summary)
    assert found == ["bilateral shoulder sprain-strain", "severe tendonitis on right lateral epicondyle", "insomnia"]
    assert all(diagnosis in summary for diagnosis in found)
