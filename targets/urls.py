from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("targets/", views.ReportView.as_view(), name="report"),
    path("targets/plan/", views.PlanGridView.as_view(), name="plan"),
    path("targets/actuals/new/", views.ActualCreateView.as_view(), name="actual-create"),
    path("targets/actuals/import/", views.ImportView.as_view(), name="import"),
]
