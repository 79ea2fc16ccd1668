from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="list"),
    path("customers/import/", views.ImportView.as_view(), name="import"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("prepare/", views.PrepareView.as_view(), name="prepare"),
    path(
        "meetings/<int:meeting_pk>/briefs/<int:customer_pk>/",
        views.BriefView.as_view(),
        name="brief",
    ),
    path("meetings/<int:meeting_pk>/briefs/", views.BriefPanelView.as_view(), name="brief-panel"),
    path(
        "meetings/<int:meeting_pk>/briefs/<int:brief_pk>/decide/",
        views.DecideView.as_view(),
        name="decide",
    ),
    path(
        "meetings/<int:meeting_pk>/stages/<int:customer_pk>/",
        views.ConfirmStageView.as_view(),
        name="confirm-stage",
    ),
    path("meetings/<int:meeting_pk>/visits/", views.VisitPlanView.as_view(), name="visit-plan"),
]
