from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("action-items", views.ActionItemViewSet)
router.register("clocks", views.ClockViewSet)
router.register("escalations", views.EscalationViewSet)
router.register("notifications", views.NotificationViewSet)
router.register("webhooks", views.WebhookViewSet)
router.register("sla-policies", views.SlaPolicyViewSet)

urlpatterns = [*router.urls]
