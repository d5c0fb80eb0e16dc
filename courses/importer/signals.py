"""Signals the importer sends, so that apps above the page tree can load their
own parts of a library without the importer importing them."""

from django.dispatch import Signal

# Sent inside the import's transaction once the taxonomy and the courses are
# written, with `taxonomy` (the parsed taxonomy.yaml), `catalogue` (the
# catalogue page), `terms` (a TermLookup: slug -> term for each taxonomy key)
# and `report` (the ImportReport to count into). A receiver returns a list of
# Problems; any problem rolls the whole import back.
library_loaded = Signal()
