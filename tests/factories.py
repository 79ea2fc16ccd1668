import factory

from org.choices import Role, UnitKind
from org.models import Person, Unit

PASSWORD = "correct horse battery"


class UnitFactory(factory.django.DjangoModelFactory):
    """``UnitFactory(parent=region)``: units are created through treebeard,
    which computes their tree path."""

    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.TEAM
    parent = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        unit = parent.add_child(**kwargs)
        parent.refresh_from_db()
        return unit


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda p: f"{p.username}@example.com")
    role = Role.REP
    unit = None
    password = factory.django.Password(PASSWORD)
