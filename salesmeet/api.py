"""The viewset base every app's API is built from: it scopes each queryset
by the org-tree visibility rule."""

from rest_framework import viewsets


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
