"""Wagtail admin for programmes and cohorts (menu "Cohorts").

Programme admins manage every cohort; cohort managers see and change only
the cohorts they manage (anything else is a 404, as if it did not exist).
Beside the usual list/add/edit screens, each cohort has a members screen
(join link, members and their status), an "Invite by CSV" upload (all or
nothing, problems listed by line) and a form to close or reopen the link."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views import View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from lms.pathways.models import Pathway

from . import services
from .access import (
    can_manage_cohorts,
    cohort_managers,
    cohorts_for_user,
    sponsorable_organisations,
)
from .invitation_emails import absolute, unsent_invitations
from .models import Cohort, Invitation, Programme, Sponsorship

MEMBERS_PER_PAGE = 50


class CohortForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "managers" in self.fields:
            self.fields["managers"].queryset = cohort_managers().order_by("email")
        if "pathway" in self.fields:
            self.fields["pathway"].queryset = Pathway.objects.filter(live=True)

    def clean(self):
        cleaned = super().clean()
        problems = services.date_problems(
            cleaned.get("starts_on"), cleaned.get("ends_on"), cleaned.get("deadline")
        )
        for name, message in problems.items():
            self.add_error(name, message)
        return cleaned


def scoped_cohort(request, pk) -> Cohort:
    """The cohort if this user may see it; otherwise 404 (no hint it exists)."""
    return get_object_or_404(
        cohorts_for_user(request.user).select_related("programme", "pathway"), pk=pk
    )


class OwnCohortsOnly:
    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not cohorts_for_user(self.request.user).filter(pk=obj.pk).exists():
            raise Http404
        return obj


class CohortFilterSet(WagtailFilterSet):
    """Filter by programme, offering only the programmes of cohorts the viewer
    may see (a cohort manager never learns another programme's name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["programme"].queryset = Programme.objects.filter(
            cohorts__in=cohorts_for_user(user)
        ).distinct()

    class Meta:
        model = Cohort
        fields = ["programme"]


class CohortIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            cohorts_for_user(self.request.user)
            .select_related("programme", "pathway")
            .annotate(member_count=Count("memberships", distinct=True))
        )


class CohortEditView(OwnCohortsOnly, generic.EditView):
    pass


class CohortDeleteView(OwnCohortsOnly, generic.DeleteView):
    pass


class CohortHistoryView(OwnCohortsOnly, generic.HistoryView):
    pass


class CohortUsageView(OwnCohortsOnly, generic.UsageView):
    pass


class CohortScreen(WagtailAdminTemplateMixin, View):
    """Base for the cohort's own screens: the viewer must see the cohort."""

    viewset = None
    header_icon = "group"

    def dispatch(self, request, pk):
        if not can_manage_cohorts(request.user):
            raise PermissionDenied
        self.cohort = scoped_cohort(request, pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.cohort.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.viewset.get_url_name("index")), "label": "Cohorts"},
            {
                "url": reverse(self.viewset.get_url_name("members"), args=[self.cohort.pk]),
                "label": self.cohort.name,
            },
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(cohort=self.cohort, urls=self.urls(), **kwargs)

    def urls(self):
        pk = self.cohort.pk
        name = self.viewset.get_url_name
        return {
            "members": reverse(name("members"), args=[pk]),
            "invite": reverse(name("invite"), args=[pk]),
            "join_link": reverse(name("join_link"), args=[pk]),
            "send": reverse(name("send"), args=[pk]),
            "edit": reverse(name("edit"), args=[pk]),
            "index": reverse(name("index")),
        }


class MembersView(CohortScreen):
    template_name = "cohorts/admin/members.html"
    page_title = "Members"

    def get(self, request, pk):
        invitations = self.cohort.invitations.order_by("email")
        page = Paginator(invitations, MEMBERS_PER_PAGE).get_page(request.GET.get("p"))
        counts = self.cohort.invitations.aggregate(
            invited=Count("pk"),
            joined=Count("membership"),
        )
        unsent = unsent_invitations(self.cohort)
        return self.render_to_response(
            self.get_context_data(
                page=page,
                rows=services.member_rows(self.cohort, page.object_list),
                counts=counts,
                unsent=unsent.count(),
                failed=unsent.exclude(last_error="").count(),
                join_url=absolute(reverse("cohort_join", args=[self.cohort.join_token])),
            )
        )


class JoinLinkView(CohortScreen):
    http_method_names = ["post"]

    def post(self, request, pk):
        is_open = request.POST.get("open") == "1"
        services.set_join_link_open(self.cohort, is_open)
        messages.success(
            request,
            f"The join link for {self.cohort.name} is "
            + ("open: anyone with it can join." if is_open else "closed: nobody new can join."),
        )
        return redirect(self.urls()["members"])


class SendInvitationsView(CohortScreen):
    http_method_names = ["post"]

    def post(self, request, pk):
        services.send_unsent_invitations(self.cohort)
        messages.success(request, "Unsent invitations are on their way.")
        return redirect(self.urls()["members"])


class InviteUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns name,email (or just email), with that header line. UTF-8.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class InviteByCsvView(CohortScreen):
    template_name = "cohorts/admin/invite_csv.html"
    page_title = "Invite by CSV"
    header_icon = "upload"

    def get(self, request, pk):
        return self.render_to_response(
            self.get_context_data(form=InviteUploadForm(), max_rows=services.max_rows())
        )

    def post(self, request, pk):
        form = InviteUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(form=form, max_rows=services.max_rows()), status=400
            )
        upload = form.cleaned_data["file"]
        rows, problems = services.parse_invite_csv(upload)
        if problems:
            return self.render_to_response(
                self.get_context_data(
                    form=InviteUploadForm(),
                    problems=problems,
                    upload_name=upload.name,
                    max_rows=services.max_rows(),
                ),
                status=400,
            )
        result = services.invite(self.cohort, rows, Invitation.Source.CSV)
        created = len(result.created)
        already = len(rows) - created
        messages.success(
            request,
            f"{created} {'person' if created == 1 else 'people'} invited to {self.cohort.name}; "
            f"invitations are being emailed. {already} already invited"
            + (f" ({result.named} names added)." if result.named else "."),
        )
        return redirect(self.urls()["members"])


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    menu_label = "Cohorts"
    menu_order = 100
    add_to_admin_menu = False
    index_view_class = CohortIndexView
    edit_view_class = CohortEditView
    delete_view_class = CohortDeleteView
    history_view_class = CohortHistoryView
    usage_view_class = CohortUsageView
    copy_view_enabled = False
    inspect_view_enabled = False
    filterset_class = CohortFilterSet
    search_fields = ["name", "organisation"]
    ordering = ["-starts_on", "name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("programme", permission="cohorts.add_cohort"),
            FieldPanel("organisation"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")], heading="Dates"),
            FieldPanel("pathway"),
            FieldPanel("deadline"),
            FieldPanel("join_link_open"),
            MultiFieldPanel(
                [FieldPanel("managers", permission="cohorts.add_cohort")],
                heading="Who manages it",
            ),
        ],
        base_form_class=CohortForm,
    )

    @cached_property
    def list_display(self):
        members = self

        class MembersLinkColumn(TitleColumn):
            def get_link_url(self, instance, parent_context):
                return reverse(members.get_url_name("members"), args=[instance.pk])

        return [
            MembersLinkColumn("name", label="Cohort"),
            Column("programme", label="Programme"),
            Column("organisation", label="Organisation"),
            Column("starts_on", label="Starts"),
            Column("pathway", label="Pathway"),
            Column("member_count", label="Members"),
        ]

    def screen(self, view_class):
        return view_class.as_view(viewset=self)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("members/<int:pk>/", self.screen(MembersView), name="members"),
            path("invite/<int:pk>/", self.screen(InviteByCsvView), name="invite"),
            path("join-link/<int:pk>/", self.screen(JoinLinkView), name="join_link"),
            path("send/<int:pk>/", self.screen(SendInvitationsView), name="send"),
        ]


class ProgrammeViewSet(ModelViewSet):
    model = Programme
    icon = "folder-open-inverse"
    menu_label = "Programmes"
    menu_order = 200
    form_fields = ["name", "description"]
    list_display = ["name", "description"]
    copy_view_enabled = False
    inspect_view_enabled = False


class SponsorshipForm(WagtailAdminModelForm):
    """A sponsor by the email of their account (they sign up first, like any
    learner) and one of the organisations cohorts are run for."""

    email = forms.EmailField(
        label="Sponsor's email",
        help_text="The address they sign in with. They need an account: ask them to sign up first.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = sponsorable_organisations()
        current = self.instance.organisation if self.instance.pk else ""
        if current and current not in names:
            names.append(current)
        self.fields["organisation"] = forms.ChoiceField(
            label="Organisation",
            choices=[("", "Choose an organisation"), *[(name, name) for name in names]],
            help_text="The organisations named on cohorts. Name it on a cohort first.",
            error_messages={"required": "Choose the organisation they sponsor."},
        )
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email

    def clean_email(self):
        email = self.cleaned_data["email"]
        user = services.account_for_email(email)
        if user is None:
            raise forms.ValidationError(
                f"No account uses {email} yet. Ask them to sign up, then add them here."
            )
        self.instance.user = user
        return email

    def clean(self):
        cleaned = super().clean()
        user, organisation = getattr(self.instance, "user", None), cleaned.get("organisation")
        if user is not None and organisation:
            clash = Sponsorship.objects.filter(user=user, organisation__iexact=organisation)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("organisation", f"They already sponsor {organisation}.")
        return cleaned


class SponsorshipViewSet(ModelViewSet):
    """Employer sponsors (Cohorts → Employer sponsors): programme admins add
    and remove them (model permissions held by the programme admins' role)."""

    model = Sponsorship
    icon = "user"
    menu_label = "Employer sponsors"
    menu_order = 300
    copy_view_enabled = False
    inspect_view_enabled = False
    search_fields = ["organisation", "user__email"]
    list_display = [
        TitleColumn("organisation", label="Organisation"),
        Column("user", label="Sponsor", accessor="user.email"),
        Column("created_at", label="Added"),
    ]
    edit_handler = ObjectList(
        [FieldPanel("email"), FieldPanel("organisation")], base_form_class=SponsorshipForm
    )


class CohortsGroup(ViewSetGroup):
    menu_label = "Cohorts"
    menu_icon = "group"
    menu_order = 300
    items = (
        CohortViewSet("cohorts"),
        ProgrammeViewSet("programmes"),
        SponsorshipViewSet("sponsors"),
    )


@hooks.register("register_admin_viewset")
def register_cohorts():
    return CohortsGroup()
