import datetime as dt

import pytest

from imr_llm.dates import parse_date


@pytest.mark.parametrize(
    "written, expected",
    [
        ("11/30/2016", dt.date(2016, 11, 30)),
        ("10-11-2016", dt.date(2016, 10, 11)),
        ("12-6-16", dt.date(2016, 12, 6)),
        ("1/3/17", dt.date(2017, 1, 3)),
        ("May 27, 2014", dt.date(2014, 5, 27)),
        ("Sept. 5 2013", dt.date(2013, 9, 5)),
    ],
)
def test_dates_as_letters_write_them(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["13/01/2016", "02/30/2016", "Smarch 3, 2016", "2016-11-30", ""])
def test_impossible_or_foreign_dates_are_none(written):
    assert parse_date(written) is None
