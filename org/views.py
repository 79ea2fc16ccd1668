from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Person, Unit
from .services import escalation_chain


class UnitListView(LoginRequiredMixin, ListView):
    """The part of the org tree the user may see, as an indented outline."""

    template_name = "org/unit_list.html"
    context_object_name = "units"
    paginate_by = 200

    def get_queryset(self):
        return (
            Unit.objects.for_user(self.request.user)
            .select_related("manager")
            .annotate_member_count()
        )


class UnitDetailView(LoginRequiredMixin, DetailView):
    template_name = "org/unit_detail.html"
    context_object_name = "unit"

    def get_queryset(self):
        return Unit.objects.for_user(self.request.user).select_related("manager")

    def get_context_data(self, **kwargs):
        unit = self.object
        visible_units = Unit.objects.for_user(self.request.user)
        return super().get_context_data(
            children=visible_units.filter(
                path__startswith=unit.path, depth=unit.depth + 1
            ).select_related("manager"),
            ancestors=visible_units.filter(pk__in=unit.get_ancestors()),
            members=Person.objects.for_user(self.request.user)
            .filter(unit=unit, is_active=True)
            .order_by("role", "full_name"),
            **kwargs,
        )


class PersonDetailView(LoginRequiredMixin, DetailView):
    template_name = "org/person_detail.html"
    context_object_name = "person"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Person.objects.for_user(self.request.user).select_related("unit"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(chain=escalation_chain(self.object), **kwargs)
