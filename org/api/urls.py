from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MeView, PersonViewSet, UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet)
router.register("people", PersonViewSet)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
