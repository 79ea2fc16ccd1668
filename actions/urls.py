from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("actions/", views.MyActionsView.as_view(), name="mine"),
    path("actions/team/", views.TeamActionsView.as_view(), name="team"),
    path("actions/escalations/", views.EscalationsView.as_view(), name="escalations"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="detail"),
    path("actions/<int:pk>/done/", views.CompleteView.as_view(), name="complete"),
    path("actions/<int:pk>/clocks/<int:clock_pk>/pause/", views.PauseView.as_view(), name="pause"),
    path(
        "actions/<int:pk>/clocks/<int:clock_pk>/resume/", views.ResumeView.as_view(), name="resume"
    ),
    path("actions/<int:pk>/clocks/<int:clock_pk>/move/", views.MoveView.as_view(), name="move"),
    path("notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("notifications/read/", views.MarkReadView.as_view(), name="mark-read"),
]
