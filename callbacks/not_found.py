"""The page for an unknown address."""
from layouts.common import message_page


def page(**_query):
    """Say that the page does not exist."""
    return message_page("Page not found", "There is no page at this address.")
