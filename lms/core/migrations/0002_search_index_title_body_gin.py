"""A GIN index on Wagtail's search index entries' `title || body` tsvector,
under PostgreSQL: the database search backend matches a query against the two
together (`(title || body) @@ query`), which its own GIN indexes on each
column cannot serve, so every search read every entry of the model. The
catalogue's search (courses.catalogue.ranked_paths_postgres) matches the same
expression. Nothing to do under SQLite, whose FTS5 table is the index."""

from django.db import migrations

INDEX = "wagtailsearch_indexentry_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} "
            "ON wagtailsearch_indexentry USING gin ((title || body))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
