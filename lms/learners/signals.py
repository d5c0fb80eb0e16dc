"""What learners tells the apps above it.

- `self_check_saved` (sender `SelfCheck`; `user`, `profile`, `self_check`):
  sent inside the onboarding transaction once the profile and the new
  self-check sitting are saved; lms.pathways builds or extends the personal
  pathway.
"""

from django.dispatch import Signal

self_check_saved = Signal()
