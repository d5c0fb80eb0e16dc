"""Wagtail admin screen "Import a course": a partner author uploads a course as
a zip of Markdown files (docs/authoring.md) and gets drafts on their own shelf,
or a table of every problem with nothing imported (courses.importer.zip_upload).

Only users who author for at least one partner (or platform editors) see it;
anyone else with admin access gets 403. Wagtail's own admin gate turns away
learners and anonymous visitors before the view runs (to the login page)."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from courses.importer.sources import max_file_bytes
from courses.importer.zip_upload import (
    course_template_zip,
    import_zip,
    max_compression_ratio,
    max_entries,
    max_uncompressed_bytes,
    max_upload_bytes,
    megabytes,
    too_large,
)
from lms.core.admin_access import MenuItemFor, RoleRequired

from ..workspace import has_partner, partners_for_user


class ZipUploadForm(forms.Form):
    file = forms.FileField(
        label="Course zip file",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"A .zip of Markdown (.md) files, up to {megabytes(max_upload_bytes())}."


class PartnerAuthorsOnly(RoleRequired):
    page_title = "Import a course"
    header_icon = "upload"
    forbidden_heading = "You cannot import courses"
    forbidden_reason = (
        "Importing courses is for authors at a partner college or university. Your account is "
        "not an author for any partner. Ask a platform editor to add you to your partner's "
        "authors."
    )

    def allowed(self, user) -> bool:
        return has_partner(user)


class ImportCourseView(PartnerAuthorsOnly, WagtailAdminTemplateMixin, View):
    template_name = "courses/admin/zip_import.html"
    page_title = "Import a course"
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        partners = partners_for_user(self.request.user).order_by("name")
        return super().get_context_data(
            partners=partners,
            template_url=reverse("import_course_template"),
            limits={
                "upload": megabytes(max_upload_bytes()),
                "unpacked": megabytes(max_uncompressed_bytes()),
                "file": megabytes(max_file_bytes()),
                "entries": max_entries(),
                "ratio": max_compression_ratio(),
            },
            **kwargs,
        )

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=ZipUploadForm()))

    def post(self, request):
        if too_big := getattr(request, "upload_too_large", None):
            return self.render_to_response(
                self.get_context_data(
                    form=ZipUploadForm(),
                    problems=[too_large(too_big, "your upload")],
                    upload_name="Your upload",
                )
            )
        form = ZipUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        partners = partners_for_user(request.user)
        result = import_zip(upload, partners=partners, upload_name=upload.name, user=request.user)
        if not result.ok:
            return self.render_to_response(
                self.get_context_data(
                    form=ZipUploadForm(), problems=result.problems, upload_name=upload.name
                )
            )
        messages.success(request, success_message(result), buttons=success_buttons(result))
        if len(result.courses) == 1:
            return redirect("wagtailadmin_explore", result.courses[0].pk)
        return redirect("import_course")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def success_message(result) -> str:
    names = ", ".join(f"“{course.title}”" for course in result.courses) or "the course"
    created, updated = result.count("lessons created"), result.count("lessons updated")
    unchanged = result.count("lessons unchanged")
    done = f"{plural(created, 'lesson')} created and {updated} updated as drafts"
    if unchanged:
        done += f" ({unchanged} unchanged)"
    which = "the course" if len(result.courses) <= 1 else "each course"
    return (
        f"Imported {names}: {done}. Nothing is live yet: submit {which} for review "
        "when it is ready."
    )


def success_buttons(result):
    return [
        messages.button(reverse("wagtailadmin_pages:edit", args=[course.pk]), "Edit course")
        for course in result.courses[:1]
    ]


class CourseTemplateDownload(PartnerAuthorsOnly, View):
    def get(self, request):
        name, data = course_template_zip()
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# Room for the multipart boundaries, headers and CSRF token around the file.
MULTIPART_OVERHEAD = 64 * 1024


def import_course_view():
    """The view, refusing a request whose Content-Length is already too big
    before its body is read (the CSRF check would read it all to disk)."""
    view = ImportCourseView.as_view()
    protected = csrf_protect(view)

    @csrf_exempt
    def guarded(request, *args, **kwargs):
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_upload_bytes() + MULTIPART_OVERHEAD:
                request.upload_too_large = length  # the view reads no POST data
                return view(request, *args, **kwargs)
        return protected(request, *args, **kwargs)

    return guarded


@hooks.register("register_admin_urls")
def import_course_urls():
    return [
        path("import-course/", import_course_view(), name="import_course"),
        path(
            "import-course/template.zip",
            CourseTemplateDownload.as_view(),
            name="import_course_template",
        ),
    ]


@hooks.register("register_admin_menu_item")
def import_course_menu_item():
    return MenuItemFor(
        "Import a course",
        reverse("import_course"),
        name="import-course",
        icon_name="upload",
        order=250,
        shown_to=has_partner,
    )
