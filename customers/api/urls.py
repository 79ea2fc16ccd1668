from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("pipeline-stages", views.PipelineStageViewSet)
router.register("customers", views.CustomerViewSet)
router.register("briefs", views.BriefViewSet)
router.register("visit-plans", views.VisitPlanViewSet)

urlpatterns = [
    path("brief-completion/", views.BriefCompletionView.as_view(), name="brief-completion"),
    path(
        "brief-completion/units/",
        views.UnitCompletionView.as_view(),
        name="brief-completion-units",
    ),
    *router.urls,
]
