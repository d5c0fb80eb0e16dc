from django.urls import path

from . import views

app_name = "progress"

# Under /courses/ like the lesson pages themselves (a partner's shelf would need
# the slug "lessons" and a course a number for a slug to meet these paths).
urlpatterns = [
    path("courses/lessons/<int:lesson_id>/answer/", views.answer_check, name="answer_check"),
    path(
        "courses/lessons/<int:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"
    ),
]
