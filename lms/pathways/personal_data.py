"""What the pathways app holds about a person: their personal pathway."""

from django.db.models import Prefetch

from lms.core import personal_data

from .models import PersonalPathway, PersonalPathwayItem


def export(user, *, build_url) -> dict:
    iso = personal_data.iso
    pathway = (
        PersonalPathway.objects.filter(user=user)
        .select_related("based_on")
        .prefetch_related(
            Prefetch("items", queryset=PersonalPathwayItem.objects.select_related("lesson"))
        )
        .first()
    )
    return {
        "personal_pathway": pathway
        and {
            "based_on": pathway.based_on.title if pathway.based_on else None,
            "created_at": iso(pathway.created_at),
            "items": [
                {
                    "position": item.position,
                    "lesson": item.lesson.title if item.lesson else None,
                    "reason": item.reason,
                    "added_at": iso(item.added_at),
                }
                for item in pathway.items.all()
            ],
        }
    }


def erase(user) -> None:
    PersonalPathway.objects.filter(user=user).delete()  # and its items


personal_data.register("pathways", models=["pathways.PersonalPathway"], export=export, erase=erase)
