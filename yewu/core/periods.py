"""Reporting periods for dashboards: one calendar month, quarter or year, its neighbours, its
bounds as aware datetimes and the months it spans."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

PERIODS = ("month", "quarter", "year")
#: Dates a period may be asked for: a year's neighbours must stay within what `datetime.date` holds.
FIRST_DAY, LAST_DAY = datetime.date(2, 1, 1), datetime.date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    """[start, end) of one calendar month, quarter or year."""

    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    def previous(self) -> Period:
        return period_of(self.kind, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return period_of(self.kind, self.end)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware datetimes in the current time zone (for timestamps)."""
        zone = timezone.get_current_timezone()
        return (datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone),
                datetime.datetime.combine(self.end, datetime.time.min, tzinfo=zone))

    def months(self, until: datetime.date | None = None) -> list[datetime.date]:
        """The first day of each month in the period, stopping at the month of `until` if given."""
        out, month = [], self.start
        while month < self.end and (until is None or month <= until):
            out.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return out


def period_of(kind: str, day: datetime.date) -> Period:
    """The month, quarter or year (any other kind: year) that contains `day` (a day before year 2
    or after 9998 counts as the nearest of those years)."""
    day = min(max(day, FIRST_DAY), LAST_DAY)
    if kind == "month":
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
    elif kind == "quarter":
        month = (day.month - 1) // 3 * 3 + 1
        start = datetime.date(day.year, month, 1)
        end = datetime.date(day.year + (month == 10), (month + 2) % 12 + 1, 1)
    else:
        kind = "year"
        start, end = datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1)
    return Period(kind, start, end)
