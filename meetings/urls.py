from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.MeetingListView.as_view(), name="list"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("new/", views.MeetingCreateView.as_view(), name="create"),
    path("new/invitees/", views.InviteePickerView.as_view(), name="invitee-picker"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="edit"),
    path("<int:pk>/cancel/", views.CancelMeetingView.as_view(), name="cancel"),
    path("<int:pk>/publish/", views.PublishMeetingView.as_view(), name="publish"),
    path("<int:pk>/confirm/", views.ConfirmProposedView.as_view(), name="confirm"),
    path("<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
    path("<int:pk>/attendance/", views.AttendanceView.as_view(), name="attendance"),
    path("<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("<int:pk>/meeting.ics", views.MeetingIcsView.as_view(), name="ics"),
    path("rsvp/<str:token>/", views.RsvpLinkView.as_view(), name="rsvp"),
    path("feed/<str:token>.ics", views.FeedView.as_view(), name="feed"),
    path("subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("cadence/<int:unit_pk>/", views.CadenceView.as_view(), name="cadence"),
]
