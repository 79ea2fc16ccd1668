from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from salesmeet.api import VisibleReadOnlyViewSet

from ..models import Person, Unit
from .filtersets import PersonFilterSet, UnitFilterSet
from .serializers import MeSerializer, PersonSerializer, UnitSerializer


class UnitViewSet(VisibleReadOnlyViewSet):
    """Units of the org tree the caller may see, parents before children."""

    queryset = Unit.objects.with_parent_id().select_related("manager")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    search_fields = ["name"]
    ordering_fields = ["path", "name", "depth"]


class PersonViewSet(VisibleReadOnlyViewSet):
    """People the caller may see: everyone in their unit's subtree."""

    queryset = Person.objects.select_related("unit")
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    search_fields = ["username", "full_name", "email"]
    ordering_fields = ["full_name", "username", "role"]


class MeView(APIView):
    """The caller: their unit, role, escalation chain and UI language."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)
