"""Closes a gap in Wagtail's own admin: the move-confirmation page is rendered
for anyone who can reach the admin, showing the (draft) title of any page.
Only someone allowed to move the page there gets it."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks


@hooks.register("before_move_page")
def only_movers_see_the_move(request, page, destination):
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied
