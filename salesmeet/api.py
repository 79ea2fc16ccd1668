"""The bases every app's API is built from: viewsets that scope each
queryset by the org-tree visibility rule, and fields that check what callers
write."""

from django.db import models
from rest_framework import serializers, viewsets

from salesmeet.validators import plausible_date


class VisibleModelMixin:
    """Scope the queryset to what ``request.user`` may see.

    Every model served through the API has a queryset with ``for_user(user)``;
    an object outside the user's part of the tree is simply not found (404),
    so the API never tells whether it exists.
    """

    def get_queryset(self):
        return super().get_queryset().for_user(self.request.user)


class VisibleReadOnlyViewSet(VisibleModelMixin, viewsets.ReadOnlyModelViewSet):
    pass


class VisibleModelViewSet(VisibleModelMixin, viewsets.ModelViewSet):
    pass


class IdField(serializers.IntegerField):
    """A row's id sent in a list of ids: a positive 64-bit integer, so that a
    huge number is refused as invalid instead of overflowing the database
    driver (a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField for times callers write: within the years
    :func:`~salesmeet.validators.plausible_date` allows, and a naive time
    near year 1 refused as out of range instead of overflowing in DRF's own
    time-zone check (a 500)."""

    default_validators = [plausible_date]

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class ModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose date-times are :class:`DateTimeField`."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }
