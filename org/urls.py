from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person-detail"),
]
