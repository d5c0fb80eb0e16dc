"""Aggregates the ORM lacks."""

from django.db.models import Aggregate, FloatField


class Median(Aggregate):
    """PostgreSQL's PERCENTILE_CONT(0.5): the median, the mean of the middle
    two values for an even count. Takes `filter=` like any aggregate (then
    `... WITHIN GROUP (ORDER BY x) FILTER (WHERE ...)`). PostgreSQL only;
    callers fall back to ranking rows elsewhere."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
