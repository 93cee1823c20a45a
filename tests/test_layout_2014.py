"""Letters we write in the seeds' 2014 layout: the UR denial and injury dates stated in prose in
the ways such letters state them, each read into the template fields."""

from __future__ import annotations

import datetime as dt

import pytest
from letters import letter_2014

from imr_llm import parse_letter

INJURY = dt.date(2013, 1, 15)
UR_DENIAL = dt.date(2014, 6, 3)

INJURY_PHRASES = [
    "The patient is a 45-year-old male with a date of injury of 01/15/2013.",
    "The injured worker is a 45-year-old male who sustained an industrial injury on 01/15/2013.",
    "The patient is a 45-year-old male who reported an injury on 01/15/2013.",
    "The patient is a 45-year-old male who has submitted a claim for lumbar strain associated with an industrial "
    "injury date of 01/15/2013.",
    "The applicant is a 45-year-old male who has filed a claim for low back pain reportedly associated with an "
    "industrial injury of January 15, 2013.",
    "The patient is a 45-year-old male who was injured at work on 01/15/2013.",
    "This is a 45-year-old male with a date of injury (DOI) of 01/15/2013.",
    "The patient is a 45-year-old male. His date of injury is 01/15/2013.",
    "The patient is a 45-year-old male. On 01/15/2013, he injured his low back lifting boxes.",
]
UR_PHRASES = [
    "On 06/03/2014 the request for physical therapy was non-certified by utilization review.",
    "On 06/03/2014, utilization review denied the requests.",
    "The request for physical therapy was denied by utilization review on 06/03/2014.",
    "A utilization review (UR) report denied the request on 06/03/2014.",
    "Utilization review dated 06/03/2014 denied the request for physical therapy.",
    "The request was non-certified by utilization review on June 3, 2014.",
    "In a Utilization Review Report dated June 3, 2014, the claims administrator denied a request for therapy.",
    "The requested physical therapy was modified by utilization review on 06/03/2014.",
    "Utilization review on 06/03/2014 non-certified the request.",
    "The UR determination of 06/03/2014 did not certify the request.",
    "The claims administrator denied the request on 06/03/2014.",
]


def summary(injury: str, ur: str) -> str:
    # Other dates stand around them, as in real summaries: a report and a visit.
    return (f"{injury} The listed diagnoses per the requesting physician are lumbar strain; and lumbar radiculopathy. "
            "According to the report dated 05/12/2014, the patient complains of low back pain. \n\nThe treater saw "
            f"the patient on 05/20/2014 and requested physical therapy. {ur}")


BLOCKS = (
    ("Physical therapy 2 times a week for 4 weeks for the lumbar spine", "Upheld",
     "The guidelines allow 8 to 10 visits. In this case the patient has had 24 visits without documented "
     "functional improvement. The request is not medically necessary."),
    ("MRI of the lumbar spine", "Overturned",
     "The patient has progressive neurologic deficits after failed conservative care. The request is medically "
     "necessary."),
)


@pytest.mark.parametrize("ur", UR_PHRASES)
@pytest.mark.parametrize("injury", INJURY_PHRASES)
def test_prose_dates_and_the_template_of_a_2014_letter(injury, ur):
    d = parse_letter(letter_2014(summary(injury, ur), *BLOCKS))
    assert (d.dates.injury, d.dates.ur_denial) == (INJURY, UR_DENIAL)
    assert (d.dates.assigned, d.dates.decision, d.dates.application_received, d.case_number) == (None,) * 4
    assert d.reviewer.specialties == ["Physical Medicine & Rehabilitation", "Pain Management"]
    assert d.reviewer.subspecialties == ["Interventional Spine"] and d.reviewer.licensure_states == ["California"]
    assert [(x.item, x.outcome) for x in d.decisions] == [(BLOCKS[0][0], "upheld"), (BLOCKS[1][0], "overturned")]
    assert d.outcome == "partially_overturned" and (d.patient.age, d.patient.sex) == (45, "male")
    assert d.diagnoses == ["lumbar strain", "lumbar radiculopathy"]
    assert [c.pages for c in d.decisions[0].guidelines.maximus] == ["98-99"]
    assert d.decisions[0].quantity == 8 and d.decisions[0].reasons == ["no_functional_improvement"]
    assert d.decisions[1].reasons == ["meets_guidelines"]


def test_a_letter_that_states_no_denial_date_leaves_it_null():
    d = parse_letter(letter_2014(summary(INJURY_PHRASES[0], "The request is now under review."), *BLOCKS))
    assert d.dates.ur_denial is None and d.dates.injury == INJURY
