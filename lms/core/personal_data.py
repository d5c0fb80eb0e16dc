"""Personal data: one registry that every app contributes to.

Each app says, for the tables it owns, what it holds about one person and how
to erase it, in its own `personal_data.py` (imported from its AppConfig.ready):

    from lms.core import personal_data

    personal_data.register(
        "nudges",
        models=["nudges.NudgePreference", "nudges.Nudge"],
        export=export,   # (user, build_url) -> {"section": ..., ...}
        erase=erase,     # (user) -> None
    )

`export(user)` (the right of access: the learner's JSON download) merges every
app's sections; `erase(user)` (the right to erasure: deleting the account)
runs every app's eraser in one transaction, then the erasers registered with
`last=True` (the account itself, whose deletion cascades). `covered_models()`
lets a test check that every model pointing at the user has an eraser.

This module knows no app's models: apps depend on it, never the reverse."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

Exporter = Callable[..., dict[str, Any]]
Eraser = Callable[[Any], None]


@dataclass(frozen=True)
class Source:
    """One app's personal data: the models it covers and its two functions."""

    app: str
    models: frozenset[str]
    export: Exporter | None
    erase: Eraser
    last: bool = False


_sources: dict[str, Source] = {}


class RegistryError(Exception):
    pass


def _label(model: type[Model] | str) -> str:
    return model if isinstance(model, str) else model._meta.label


def register(
    app: str,
    *,
    models: Iterable[type[Model] | str],
    erase: Eraser,
    export: Exporter | None = None,
    last: bool = False,
) -> None:
    """Registers (or, for the same `app`, replaces) an app's personal data.

    `models` are the model labels ("app_label.ModelName") whose rows about a
    person `erase` deletes or anonymises. `export(user, *, build_url)` returns
    top-level sections of the export; no two apps may return the same one.
    `last=True` erasers run after all others (the one that deletes the user)."""
    _sources[app] = Source(
        app=app,
        models=frozenset(_label(model) for model in models),
        export=export,
        erase=erase,
        last=last,
    )


def sources() -> list[Source]:
    """In registration order (the order of INSTALLED_APPS), `last` ones last."""
    registered = list(_sources.values())
    return [s for s in registered if not s.last] + [s for s in registered if s.last]


def covered_models() -> dict[str, str]:
    """Model label → the app whose eraser covers it."""
    return {label: source.app for source in sources() for label in source.models}


def iso(moment) -> str | None:
    """A date or time for the export (None stays None)."""
    return moment.isoformat() if moment else None


def export(user, *, build_url: Callable[[str], str] = str) -> dict[str, Any]:
    """Everything held about `user`, ready for JSON. `build_url` turns a site
    path into a full URL. Each app's sections, in registration order."""
    data: dict[str, Any] = {"exported_at": iso(timezone.now())}
    owners: dict[str, str] = {}
    with transaction.atomic():  # one consistent snapshot across apps
        for source in sources():
            if source.export is None:
                continue
            for section, value in source.export(user, build_url=build_url).items():
                if section in data:
                    raise RegistryError(
                        f"{source.app} and {owners.get(section, 'the registry')} "
                        f"both export {section!r}"
                    )
                owners[section] = source.app
                data[section] = value
    return data


@transaction.atomic
def erase(user) -> None:
    """Erases the person: every app's eraser, then the `last` ones (which
    delete the user row). All or nothing."""
    if not any(source.last for source in sources()):
        raise RegistryError("No eraser deletes the account itself (register one with last=True).")
    for source in sources():
        source.erase(user)
