"""Driving the county search page as a reader does (shared by the browser tests)."""

from __future__ import annotations


def show_every_result(page) -> None:
    """Press 更多 until the page has shown every result (it hides the button then)."""
    page.wait_for_selector("#gk-search[data-shown]")
    while page.is_visible("#gk-more"):
        shown = page.get_attribute("#gk-search", "data-shown")
        page.click("#gk-more")
        page.wait_for_function(f"document.getElementById('gk-search').dataset.shown !== '{shown}'")
