from django.urls import include, path

from . import views

app_name = "agendas"
room = [
    path("room/", views.RoomView.as_view(), name="room"),
    path("room/items/", views.AddItemView.as_view(), name="add-item"),
    path("room/items/order/", views.ReorderView.as_view(), name="reorder"),
    path("room/items/<int:item_pk>/", views.UpdateItemView.as_view(), name="update-item"),
    path("room/items/<int:item_pk>/move/", views.MoveItemView.as_view(), name="move-item"),
    path("room/items/<int:item_pk>/remove/", views.RemoveItemView.as_view(), name="remove-item"),
    path("room/items/<int:item_pk>/timer/", views.TimerView.as_view(), name="timer"),
    path("room/items/<int:item_pk>/next/", views.NextMeetingView.as_view(), name="next-meeting"),
    path(
        "room/backlog/<int:item_pk>/close/",
        views.CloseBacklogItemView.as_view(),
        name="close-backlog",
    ),
    path("room/decisions/", views.DecisionView.as_view(), name="decision"),
    path("room/check-in/", views.CheckInView.as_view(), name="check-in"),
    path("room/conclude/", views.ConcludeView.as_view(), name="conclude"),
    path("room/outputs/<str:output>/", views.OutputView.as_view(), name="output"),
    path("minutes/", views.MinutesView.as_view(), name="minutes"),
    path("monthly-plans/", views.MonthlyPlanView.as_view(), name="monthly-plans"),
]

urlpatterns = [
    path("meetings/<int:meeting_pk>/", include(room)),
    path("agendas/templates/", views.TemplateListView.as_view(), name="templates"),
    path("agendas/templates/<int:pk>/", views.TemplateEditView.as_view(), name="template-edit"),
]
