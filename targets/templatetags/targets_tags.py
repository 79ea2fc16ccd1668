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
