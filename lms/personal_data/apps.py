from django.apps import AppConfig


class PersonalDataConfig(AppConfig):
    """A learner's own data: the "your data" page, the CPD log, the JSON export
    and account deletion. It sits at the top because it reads every app; the
    registry it reads (lms.core.personal_data) is plumbing that each app
    registers its exporter and eraser with."""

    name = "lms.personal_data"
    label = "personal_data"
    verbose_name = "Personal data"
