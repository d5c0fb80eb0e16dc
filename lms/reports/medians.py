"""The one median of the reports (course analytics, cohort and equity
metrics): per group, in one query, the mean of the middle two values for an
even count."""

from collections import defaultdict

from django.db import connection
from django.db.models import CharField, Count, ExpressionWrapper, F, IntegerField, Value, Window
from django.db.models.functions import RowNumber

from lms.core.aggregates import Median


def in_database() -> bool:
    """Whether the database computes medians itself (PERCENTILE_CONT), so a
    median can go into the same grouped query as the counts."""
    return connection.vendor == "postgresql"


def median_aggregate(value, *, filter=None, output_field=None) -> Median:
    """The median as an aggregate, for a grouped query where in_database()."""
    extra = {"output_field": output_field} if output_field else {}
    return Median(value, filter=filter, **extra)


def medians(rows, value, group=None, *, output_field=None) -> dict:
    """The median of `value` (a field name or expression over `rows`) per
    value of `group` (a field name or expression; without one, the key is
    None), over the rows where `value` is not null. Groups without such a row
    are left out. One query: PostgreSQL computes it (PERCENTILE_CONT; pass
    `output_field` for anything but a number, e.g. a DurationField); other
    databases rank the rows of each group with a window function and return
    only the middle one or two."""
    value = F(value) if isinstance(value, str) else value
    group = F(group) if isinstance(group, str) else group
    rows = rows.order_by().annotate(m_value=value).filter(m_value__isnull=False)
    if in_database():
        median = median_aggregate("m_value", output_field=output_field)
        if group is None:
            result = rows.aggregate(m_median=median)["m_median"]
            return {} if result is None else {None: result}
        grouped = rows.values(m_group=group).annotate(m_median=median)
        return {row["m_group"]: row["m_median"] for row in grouped}
    partition = [group] if group is not None else None
    ranked = rows.annotate(
        m_group=group if group is not None else Value(None, output_field=CharField()),
        m_rank=Window(RowNumber(), partition_by=partition, order_by=F("m_value").asc()),
        m_size=Window(Count("pk"), partition_by=partition),
    )
    middle = ranked.annotate(
        m_offset=ExpressionWrapper(2 * F("m_rank") - F("m_size"), output_field=IntegerField())
    ).filter(m_offset__gte=0, m_offset__lte=2)
    picked = defaultdict(list)
    for key, found in middle.values_list("m_group", "m_value"):
        picked[key].append(found)
    return {key: (values[0] + values[-1]) / 2 for key, values in picked.items()}
