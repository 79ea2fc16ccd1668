from django.urls import path

from . import views

urlpatterns = [
    path(
        "dashboards/executive/", views.ExecutiveDashboardView.as_view(), name="dashboard-executive"
    ),
    path("dashboards/breaches/", views.BreachListView.as_view(), name="dashboard-breaches"),
    path("dashboards/manager/", views.ManagerWeekView.as_view(), name="dashboard-manager"),
    path("dashboards/rep/", views.RepDayView.as_view(), name="dashboard-rep"),
]
