from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("periods", views.PeriodViewSet)
router.register("plans", views.PlanViewSet)
router.register("targets", views.TargetViewSet)
router.register("actuals", views.ActualViewSet)
router.register("gap-reviews", views.GapReviewViewSet)

urlpatterns = [
    path("gaps/", views.GapView.as_view(), name="gaps"),
    *router.urls,
]
