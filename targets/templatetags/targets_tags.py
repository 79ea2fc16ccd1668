from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key)


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.1f}%"


@register.filter
def duration_days(value) -> int:
    return value.days if value is not None else 0


@register.filter
def trend_series(weeks) -> dict:
    """The weekly trends as the chart script reads them."""
    return {
        "labels": [week.starts.isoformat() for week in weeks],
        "breaches": [week.breaches for week in weeks],
        "on_time": [
            None if week.on_time_rate is None else round(week.on_time_rate * 100, 1)
            for week in weeks
        ],
        "briefs": [
            None if week.brief_rate is None else round(week.brief_rate * 100, 1) for week in weeks
        ],
    }


@register.filter
def cell(cells, unit):
    """cells|cell:unit|cell_rep:rep|cell_metric:key looks up (unit, rep, metric)."""
    return (cells, unit.pk)


@register.filter
def cell_rep(lookup, rep):
    cells, unit_id = lookup
    return (cells, unit_id, rep.pk if rep else None)


@register.filter
def cell_metric(lookup, metric):
    cells, unit_id, rep_id = lookup
    return cells.get((unit_id, rep_id, metric))
