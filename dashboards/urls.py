from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.ExecutiveView.as_view(), name="executive"),
    path("dashboard/breaches.csv", views.BreachCsvView.as_view(), name="breaches-csv"),
    path("dashboard/loss.csv", views.LossCsvView.as_view(), name="loss-csv"),
    path("dashboard/week/", views.ManagerWeekView.as_view(), name="manager"),
    path("dashboard/today/", views.RepDayView.as_view(), name="rep"),
]
