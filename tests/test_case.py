import datetime as dt

from imr_llm.case import injury_date_in, parse_header, parse_patient, parse_reviewer, ur_denial_date_in

DATES = (dt.date(2016, 11, 30), dt.date(2016, 10, 11), dt.date(2017, 1, 6), dt.date(2016, 11, 4), dt.date(2016, 11, 21))


def header_dates(header):
    _, _, dates = parse_header(header)
    return (dates.assigned, dates.injury, dates.decision, dates.ur_denial, dates.application_received)


def test_header_as_pdfium_extracts_it():
    header = (
        "Case Number: CM16-0224814\nDate Assigned: 11/30/2016 Date of Injury: 10/11/2016\n"
        "Decision Date: 01/06/2017 UR Denial Date: 11/04/2016\nPriority: Standard Application \nReceived: \n11/21/2016\n"
    )
    assert parse_header(header)[:2] == ("CM16-0224814", "standard")
    assert header_dates(header) == DATES


def test_header_with_every_token_on_its_own_line():
    tokens = "Case Number: CM16-0224814 Date Assigned: 11/30/2016 Date of Injury: 10/11/2016 Decision Date: 01/06/2017 "
    tokens += "UR Denial Date: 11/04/2016 Priority: Expedited Application Received: 11/21/2016"
    header = "\n".join(tokens.split())
    assert parse_header(header)[:2] == ("CM16-0224814", "expedited")
    assert header_dates(header) == DATES


def test_header_with_labels_before_values():
    header = (
        "Case Number: CM16-0224814\nDate Assigned:\nDate of Injury:\nDecision Date:\nUR Denial Date:\n"
        "Priority: Standard\nApplication Received:\n11/30/2016\n10/11/2016\n01/06/2017\n11/04/2016\n11/21/2016\n"
    )
    assert header_dates(header) == DATES


def test_labelled_credentials_2016():
    reviewer = parse_reviewer(
        "The Expert Reviewer has the following credentials:\nState(s) of Licensure: Texas,New York,California\n"
        "Certification(s)/Specialty: Preventive Medicine, Occupational Medicine, Public Health & \n"
        "General Preventive Medicine\n"
    )
    assert reviewer.licensure_states == ["Texas", "New York", "California"]
    assert reviewer.specialties == [
        "Preventive Medicine",
        "Occupational Medicine",
        "Public Health & General Preventive Medicine",
    ]
    assert reviewer.subspecialties == []


def test_prose_credentials_2014_split_on_and_only_between_specialties():
    reviewer = parse_reviewer(
        "The expert reviewer is Board Certified in Physical Medicine and Rehabilitation and Pain Management, has a\n"
        "subspecialty in Interventional Spine, and is licensed to practice in California and Nevada. He/she has been"
    )
    assert reviewer.specialties == ["Physical Medicine and Rehabilitation", "Pain Management"]
    assert reviewer.subspecialties == ["Interventional Spine"]
    assert reviewer.licensure_states == ["California", "Nevada"]


def test_patient_age_and_sex():
    assert parse_patient("The injured worker is a 32 year old female, who sustained").model_dump() == {
        "age": 32,
        "sex": "female",
    }
    assert parse_patient("This case involves a now 58-year-old male with").model_dump() == {"age": 58, "sex": "male"}
    assert parse_patient("The applicant is a 50-year-old who has filed").model_dump() == {"age": 50, "sex": None}
    assert parse_patient("No age here.").model_dump() == {"age": None, "sex": None}


def test_dates_stated_only_in_the_summary():
    assert injury_date_in("a 57-year-old male who reported an injury on 06/14/2013.") == dt.date(2013, 6, 14)
    assert injury_date_in("with a date of injury of 03/22/1989.") == dt.date(1989, 3, 22)
    assert ur_denial_date_in("A utilization review (UR) report denied the request on 05/27/2014.") == dt.date(
        2014, 5, 27
    )
    assert ur_denial_date_in("Utilization review dated 07/09/2014 denied the request for PT.") == dt.date(2014, 7, 9)
    assert ur_denial_date_in("The patient saw the doctor on 07/09/2014.") is None


def test_patient_sex_from_pronouns_only_when_they_agree():
    assert parse_patient("a 50 y/o who fell. He reports pain in his back.").model_dump() == {"age": 50, "sex": "male"}
    assert parse_patient("a 50-year-old who fell. She says her husband and his car...").sex is None


def test_prose_credentials_without_board_certification():
    reviewer = parse_reviewer(
        "The expert reviewer is a Licensed Chiropractor and Licensed in Acupuncture and is licensed to practice in "
        "California. He/she has been in active clinical practice"
    )
    assert reviewer.specialties == ["Chiropractor", "Acupuncture"]
    assert reviewer.licensure_states == ["California"]


def test_worded_injury_and_ur_dates():
    assert injury_date_in("associated with an industrial injury of January 18, 2012.") == dt.date(2012, 1, 18)
    text = "In a Utilization Review Report dated May 27, 2014, the claims administrator denied a request for PT."
    assert ur_denial_date_in(text) == dt.date(2014, 5, 27)
