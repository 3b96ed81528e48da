"""The page for an unknown address."""
from dashboard.i18n import _
from layouts.common import message_page


def page(**_query):
    """Say that the page does not exist."""
    return message_page(_("Page not found"), _("There is no page at this address."))
