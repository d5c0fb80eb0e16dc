from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a periodic Celery task, so /healthz can tell that the worker
    and the scheduler are both alive (one row per worker hostname)."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
