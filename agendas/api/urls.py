from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("agenda-templates", views.AgendaTemplateViewSet)
router.register("agenda-items", views.AgendaItemViewSet)
router.register("decisions", views.DecisionViewSet)
router.register("conclusions", views.ConclusionViewSet)
router.register("strategy-requirements", views.StrategyRequirementViewSet)
router.register("rep-feedback", views.RepFeedbackViewSet)
router.register("focus-reps", views.FocusRepViewSet)
router.register("monthly-plans", views.MonthlyPlanViewSet)
router.register("quarterly-submissions", views.QuarterlySubmissionViewSet)

urlpatterns = [*router.urls]
