from rest_framework.routers import SimpleRouter

from .views import MeetingKindViewSet, MeetingViewSet

router = SimpleRouter()
router.register("meeting-kinds", MeetingKindViewSet, basename="meeting-kind")
router.register("meetings", MeetingViewSet)

urlpatterns = [*router.urls]
