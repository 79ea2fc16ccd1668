import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Customer, PipelineStage


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains")
    stage = django_filters.ModelMultipleChoiceFilter(
        label=_("Stage"), queryset=PipelineStage.objects.all()
    )
    mine = django_filters.BooleanFilter(label=_("Only mine"), method="filter_mine")

    class Meta:
        model = Customer
        fields = ["stage"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset
