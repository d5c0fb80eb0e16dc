"""The one formula guard for every CSV and XLSX export.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage
return before one) as a formula, so `=HYPERLINK("http://x","y")` in a course
title becomes a live link, and worse (CSV injection). Every cell of text we
export goes through `safe_cell`, which puts a single quote in front of such a
cell so it is shown as the text it is.

Our own file (the CPD log) calls `safe_cell` on each cell. Wagtail's
exports (every report and listing built on its SpreadsheetExportMixin: ours,
the cohort funnel and equity dashboard included, and Wagtail's own) are
guarded once, for every
view, by `guard_wagtail_exports` (called from lms.core's AppConfig.ready):
text cells and headings pass through `safe_cell`; numbers, dates and empty
cells stay what they are, because no spreadsheet runs those."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as text a spreadsheet shows as text (None is empty)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def safe_row(values) -> list[str]:
    return [safe_cell(value) for value in values]


def guard_wagtail_exports(mixin) -> None:
    """Makes every CSV and XLSX export of Wagtail's SpreadsheetExportMixin
    (passed in as `mixin`) write its text cells and headings through
    `safe_cell`. Idempotent."""
    if getattr(mixin, "formula_guarded", False):
        return
    preprocess_field_value = mixin.preprocess_field_value
    get_heading = mixin.get_heading

    def guarded_value(self, field, value, export_format):
        value = preprocess_field_value(self, field, value, export_format)
        return safe_cell(value) if isinstance(value, str) else value

    def guarded_heading(self, queryset, field):
        return safe_cell(get_heading(self, queryset, field))

    mixin.preprocess_field_value = guarded_value
    mixin.get_heading = guarded_heading
    mixin.formula_guarded = True
