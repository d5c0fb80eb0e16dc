"""What progress tells the apps above it. Each is sent after the progress
service's own transaction block has exited, once per learner and thing:

- `lesson_completed` (sender `LessonProgress`; `user`, `lesson`, `progress`)
- `course_completed` (sender `Enrolment`; `user`, `course`, `completed_at`):
  lms.certificates issues the certificate and returns it, and the completion
  result carries what receivers return (`Completion.certificate`).
- `check_answered` (sender `CheckAnswer`; `user`, `lesson`, `course`,
  `check_id`, `correct`, `answered_at`): once per graded answer in a lesson;
  lms.reviews makes the check a review card.
"""

from django.dispatch import Signal

lesson_completed = Signal()
course_completed = Signal()
check_answered = Signal()
