from django.urls import path

from . import views

urlpatterns = [
    path("nudges/settings/", views.preferences, name="nudge_preferences"),
    path("nudges/calendar.ics", views.calendar_download, name="nudge_calendar_download"),
    path("nudges/calendar/new/", views.calendar_feed_new, name="nudge_calendar_feed_new"),
    path("nudges/calendar/revoke/", views.calendar_feed_revoke, name="nudge_calendar_revoke"),
    path("nudges/holdout/leave/", views.holdout_leave, name="nudge_holdout_leave"),
    path("nudges/next/", views.next_lesson, name="nudge_next_lesson"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("nudges/unsubscribe/<str:token>/", views.unsubscribe, name="nudge_unsubscribe"),
    path("n/<str:token>/", views.click, name="nudge_click"),
]
