from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Person, Unit
from ..services import escalation_chain
from ..visibility import scope_for


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    manager_name = serializers.CharField(
        source="manager.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent", "depth", "manager", "manager_name"]
        read_only_fields = fields


class PersonBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "username", "name", "role"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "username",
            "name",
            "title",
            "email",
            "role",
            "unit",
            "unit_name",
            "is_active",
        ]
        read_only_fields = fields


class MeSerializer(PersonSerializer):
    sees_whole_organisation = serializers.SerializerMethodField()
    escalation_chain = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "sees_whole_organisation",
            "escalation_chain",
            "language",
        ]
        read_only_fields = fields

    def get_sees_whole_organisation(self, person) -> bool:
        return scope_for(person).everything

    @extend_schema_field(PersonBriefSerializer(many=True))
    def get_escalation_chain(self, person):
        return PersonBriefSerializer(escalation_chain(person), many=True).data

    def get_language(self, person) -> str:
        return get_language()
