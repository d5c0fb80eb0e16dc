"""Signals of lms.equity, for the layers above it.

record_keys_drawn(sender=RecordKey, user_ids=[...]): record keys were just
drawn for these people (RecordKey.objects.ensure_for), inside the caller's
transaction; lms.reports.facts copies them into the facts that carry them."""

from django.dispatch import Signal

record_keys_drawn = Signal()
