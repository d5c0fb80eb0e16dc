"""Delete signals are connected by sender. A pre_delete or post_delete
receiver for every model takes Django's fast delete away from every model:
each bulk delete in the product (report facts, outbox rows, progress) then
selects its rows first and deletes them in batches with a signal each."""

from django.db.models import signals
from django.db.models.deletion import Collector
from django.dispatch.dispatcher import _make_id

from lms.reports.models import LearnerDay, LearnerTotals


def test_no_delete_receiver_listens_to_every_model():
    anyone = _make_id(None)
    for name in ("pre_delete", "post_delete"):
        signal = getattr(signals, name)
        with signal.lock:
            everyone = [entry for entry in signal.receivers if entry[0][1] == anyone]
        assert not everyone, f"{name} receivers for every model: {everyone}"


def test_the_report_facts_delete_on_the_fast_path():
    for model in (LearnerDay, LearnerTotals):
        assert Collector(using="default").can_fast_delete(model.objects.none()), model
