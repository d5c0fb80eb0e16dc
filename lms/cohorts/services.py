"""Cohort operations: create and change a cohort, read an invitation CSV,
invite people, join, and each member's status. Views, tasks, the admin and
tests all go through these."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from lms.accounts.names import split_name
from lms.core.outbox import Status as OutboxStatus
from lms.core.queue import enqueue_quietly
from lms.pathways.services import pathway_lesson_ids
from lms.progress.models import LessonProgress

from .invitation_emails import JOINED_BY_LINK, retry_failed_invitations
from .models import Cohort, Invitation, Membership
from .tasks import send_invitations

# Cohorts: dates


def date_problems(starts_on: date | None, ends_on: date | None, deadline: date | None) -> dict:
    """Field name → message for dates that do not fit together."""
    problems = {}
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = "The cohort must end on or after its start date."
    if deadline and starts_on and deadline < starts_on:
        problems["deadline"] = "The deadline must be on or after the start date."
    return problems


COHORT_FIELDS = (
    "name",
    "programme",
    "organisation",
    "starts_on",
    "ends_on",
    "pathway",
    "deadline",
    "join_link_open",
)


@transaction.atomic
def save_cohort(cohort: Cohort | None = None, *, managers=None, **fields) -> Cohort:
    """Creates (cohort=None) or updates a cohort after checking its dates."""
    unknown = set(fields) - set(COHORT_FIELDS)
    if unknown:
        raise TypeError(f"Not cohort fields: {sorted(unknown)}")
    cohort = cohort or Cohort()
    for name, value in fields.items():
        setattr(cohort, name, value)
    problems = date_problems(cohort.starts_on, cohort.ends_on, cohort.deadline)
    if problems:
        raise ValidationError(problems)
    cohort.full_clean(exclude=["managers"])
    cohort.save()
    if managers is not None:
        cohort.managers.set(managers)
    return cohort


def set_join_link_open(cohort: Cohort, is_open: bool) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(join_link_open=is_open)
    cohort.join_link_open = is_open


# Invitations from a CSV file


@dataclass(frozen=True)
class InviteRow:
    line: int
    email: str
    name: str = ""


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


MAX_UPLOAD_BYTES = 2 * 1024 * 1024
NAME_LENGTH = Invitation._meta.get_field("name").max_length


def max_rows() -> int:
    return settings.COHORT_CSV_MAX_ROWS


def _text_of(file) -> tuple[str | None, Problem | None]:
    data = file if isinstance(file, bytes) else file.read(MAX_UPLOAD_BYTES + 1)
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_UPLOAD_BYTES:
        return None, Problem(None, "The file is larger than 2 MB. Split it into smaller files.")
    if b"\x00" in data:
        return None, Problem(None, "This is not a CSV file. Save the spreadsheet as CSV (UTF-8).")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, Problem(
            line, "The file is not UTF-8 text. Save the spreadsheet as “CSV UTF-8” and try again."
        )


def parse_invite_csv(file) -> tuple[list[InviteRow], list[Problem]]:
    """Reads `name,email` (or just `email`) rows. Returns the rows and every
    problem by line; callers import nothing when there is any problem."""
    text, problem = _text_of(file)
    if problem:
        return [], [problem]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[InviteRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    columns = None
    limit = max_rows()
    data_rows = 0
    try:
        for cells in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if columns is None:
                heading = [cell.lower() for cell in cells]
                if "email" not in heading:
                    return [], [
                        Problem(
                            line,
                            "The first line must be the column names: name,email (or just email).",
                        )
                    ]
                columns = {
                    "email": heading.index("email"),
                    "name": heading.index("name") if "name" in heading else None,
                }
                continue
            data_rows += 1
            if data_rows > limit:
                problems.append(
                    Problem(line, f"Too many rows: upload at most {limit} people per file.")
                )
                break
            email = _cell(cells, columns["email"]).lower()
            name = _cell(cells, columns["name"])
            if not email:
                problems.append(Problem(line, "The email address is missing."))
                continue
            try:
                validate_email(email)
            except ValidationError:
                problems.append(Problem(line, f"“{email}” is not a valid email address."))
                continue
            if email in seen:
                problems.append(Problem(line, f"{email} is already on line {seen[email]}."))
                continue
            seen[email] = line
            if len(name) > NAME_LENGTH:
                problems.append(Problem(line, f"The name is longer than {NAME_LENGTH} characters."))
                continue
            rows.append(InviteRow(line=line, email=email, name=name))
    except csv.Error as error:
        problems.append(Problem(reader.line_num, f"This line is not valid CSV ({error})."))
    if columns is None and not problems:
        problems.append(Problem(None, "The file is empty: it needs a header line name,email."))
    elif not rows and not problems:
        problems.append(Problem(None, "The file has no people in it, only the header line."))
    return rows, problems


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]


@dataclass
class InviteResult:
    created: list[Invitation] = field(default_factory=list)
    named: int = 0
    unchanged: int = 0


@transaction.atomic
def invite(cohort: Cohort, rows: list[InviteRow], source: str = Invitation.Source.CSV):
    """Invites each address once per cohort: a repeated upload creates no
    duplicates and only fills in names that were missing. New invitations are
    emailed by the worker once this transaction commits."""
    existing = {inv.email.lower(): inv for inv in cohort.invitations.all()}
    new, named = [], []
    for row in rows:
        email = row.email.strip().lower()
        current = existing.get(email)
        if current is None:
            invitation = Invitation(cohort=cohort, email=email, name=row.name, source=source)
            existing[email] = invitation
            new.append(invitation)
        elif row.name and not current.name:
            current.name = row.name
            named.append(current)
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    if named:
        Invitation.objects.bulk_update(named, ["name"])
    result = InviteResult(
        created=new, named=len(named), unchanged=len(rows) - len(new) - len(named)
    )
    if new:
        queue_invitation_emails(cohort.pk)
    return result


def send_unsent_invitations(cohort: Cohort) -> None:
    """The admin's “Send unsent invitations”: the failed ones too, afresh."""
    retry_failed_invitations(cohort)
    queue_invitation_emails(cohort.pk)


def queue_invitation_emails(cohort_id: int) -> None:
    transaction.on_commit(
        lambda: enqueue_quietly(
            send_invitations,
            cohort_id,
            why_it_can_wait="the cohort page's “Send unsent invitations” sends them later",
        )
    )


# Joining


class InvitationRefused(Exception):
    """A personal invitation this person may not use (`reason` says why)."""

    USED = "used"
    NOT_YOURS = "not_yours"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def verified_emails(user) -> set[str]:
    """The user's verified sign-in addresses, lower-cased."""
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def invitation_refusal(invitation: Invitation, user) -> str | None:
    """Why `user` may not use this personal invitation, or None if they may:
    it is unused and one of their verified addresses is the one it was sent
    to, or it is theirs, used, and they are still in the cohort (the link then
    just opens it). Whether the cohort's join link is open does not matter."""
    if invitation.used_at is not None:
        if invitation.accepted_by_id == user.pk and _is_member(invitation.cohort_id, user):
            return None
        return InvitationRefused.USED
    if invitation.email.lower() not in verified_emails(user):
        return InvitationRefused.NOT_YOURS
    return None


def _is_member(cohort_id: int, user) -> bool:
    return Membership.objects.filter(cohort_id=cohort_id, user=user).exists()


def _use(invitation: Invitation, user) -> bool:
    """Marks the invitation used by `user`: one conditional UPDATE, so of two
    racing requests only one wins, whatever either had read before."""
    used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now(), accepted_by=user
    )
    if used:
        invitation.refresh_from_db(fields=["used_at", "accepted_by"])
    return bool(used)


def _member(cohort_id: int, user, invitation: Invitation | None) -> tuple[Membership, bool]:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                cohort_id=cohort_id, user=user, invitation=invitation
            )
            return membership, True
    except IntegrityError:
        return Membership.objects.get(cohort_id=cohort_id, user=user), False


@transaction.atomic
def accept_invitation(invitation: Invitation, user) -> tuple[Membership, bool]:
    """Joins the cohort through a personal invitation, once, as the person it
    was sent to. Raises InvitationRefused otherwise (nobody joins)."""
    reason = invitation_refusal(invitation, user)
    if reason:
        raise InvitationRefused(reason)
    membership = Membership.objects.filter(cohort_id=invitation.cohort_id, user=user).first()
    if membership is not None:
        return membership, False
    if not _use(invitation, user):
        raise InvitationRefused(InvitationRefused.USED)
    take_invited_name(user, invitation)
    return _member(invitation.cohort_id, user, invitation)


def take_invited_name(user, invitation: Invitation) -> None:
    """A learner who accepts their invitation without having given a name
    (one who signed up before, or by single sign-on without one) is called by
    the name the programme invited them by. A name they gave is never replaced."""
    if user.first_name or user.last_name or not invitation.name:
        return
    user.first_name, user.last_name = split_name(invitation.name)
    user.save(update_fields=["first_name", "last_name"])


def _link_invitation(cohort: Cohort, user) -> Invitation | None:
    """The invitation a join by the shareable link counts against: the
    person's own unused one (by a verified address), else a new one recording
    the link, already used by them; None if their address was invited but
    that invitation is not theirs to use."""
    own = (
        cohort.invitations.filter(used_at__isnull=True)
        .filter(email__in=verified_emails(user))
        .order_by("pk")
        .first()
    )
    if own is not None and _use(own, user):
        return own
    email = (user.email or "").lower()
    if cohort.invitations.filter(email__iexact=email).exists():
        return None
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                cohort=cohort,
                email=email,
                name=user.get_full_name(),
                source=Invitation.Source.LINK,
                used_at=timezone.now(),
                accepted_by=user,
                status=OutboxStatus.SKIPPED,
                last_error=JOINED_BY_LINK,
            )
    except IntegrityError:
        return None


@transaction.atomic
def join(cohort: Cohort, user) -> tuple[Membership, bool]:
    """Makes the user a member by the cohort's shareable link (once; joining
    again changes nothing). Whether the link is open is the caller's check."""
    membership = Membership.objects.filter(cohort=cohort, user=user).first()
    if membership is not None:
        return membership, False
    return _member(cohort.pk, user, _link_invitation(cohort, user))


def cohorts_of(user):
    return (
        Cohort.objects.filter(memberships__user=user)
        .select_related("programme", "pathway")
        .order_by("-starts_on", "name")
    )


# Members and their status


class Status:
    INVITED = "Invited"
    JOINED = "Joined"
    ACTIVATED = "Activated"
    COMPLETED = "Completed pathway"


@dataclass
class MemberRow:
    invitation: Invitation
    user: object | None
    joined_at: object | None
    lessons_done: int
    pathway_done: int
    pathway_total: int
    status: str

    @property
    def name(self) -> str:
        if self.user is not None and self.user.get_full_name():
            return self.user.get_full_name()
        return self.invitation.name

    @property
    def email(self) -> str:
        return self.invitation.email


def member_rows(cohort: Cohort, invitations) -> list[MemberRow]:
    """Status of each of these invitations (a page of them): a fixed number
    of queries however many rows."""
    invitations = list(invitations.select_related("membership__user"))
    lesson_ids = set(pathway_lesson_ids([cohort.pathway_id])[cohort.pathway_id])
    user_ids = [inv.membership.user_id for inv in invitations if _membership(inv)]
    done = {}
    if user_ids:
        done = {
            row["user_id"]: row
            for row in LessonProgress.objects.filter(
                user_id__in=user_ids, completed_at__isnull=False
            )
            .values("user_id")
            .annotate(
                lessons=Count("id"), in_pathway=Count("id", filter=Q(lesson_id__in=lesson_ids))
            )
        }
    rows = []
    for inv in invitations:
        membership = _membership(inv)
        counts = done.get(membership.user_id, {}) if membership else {}
        lessons, in_pathway = counts.get("lessons", 0), counts.get("in_pathway", 0)
        if membership is None:
            status = Status.INVITED
        elif lesson_ids and in_pathway >= len(lesson_ids):
            status = Status.COMPLETED
        elif lessons:
            status = Status.ACTIVATED
        else:
            status = Status.JOINED
        rows.append(
            MemberRow(
                invitation=inv,
                user=membership.user if membership else None,
                joined_at=membership.joined_at if membership else None,
                lessons_done=lessons,
                pathway_done=in_pathway,
                pathway_total=len(lesson_ids),
                status=status,
            )
        )
    return rows


def _membership(invitation: Invitation) -> Membership | None:
    try:
        return invitation.membership
    except Membership.DoesNotExist:
        return None


def account_for_email(email: str):
    """The account an address belongs to (its sign-in email, or a verified
    allauth address of it), or None."""
    address = email.strip()
    found = EmailAddress.objects.filter(email__iexact=address, verified=True).first()
    if found is not None:
        return found.user
    return get_user_model().objects.filter(email__iexact=address).first()
