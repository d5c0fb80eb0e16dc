"""What progress tells the apps above it. Both are sent after the progress
service's own transaction block has exited, once per learner and thing:

- `lesson_completed` (sender `LessonProgress`; `user`, `lesson`, `progress`)
- `course_completed` (sender `Enrolment`; `user`, `course`, `completed_at`):
  lms.certificates issues the certificate and returns it, and the completion
  result carries what receivers return (`Completion.certificate`).
"""

from django.dispatch import Signal

lesson_completed = Signal()
course_completed = Signal()
