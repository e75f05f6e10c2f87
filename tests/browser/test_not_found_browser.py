"""An unknown address gets the site's own page, with links to every page, not the framework's bare 404."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_an_unknown_address_offers_every_page(web):
    web.open("/no-such-page?x=1", "#not-found")
    text = web.page.inner_text("#not-found")
    assert "Page not found" in text and "There is no page at this address" in text
    hrefs = [a.get_attribute("href") for a in web.page.locator("#not-found a").all()]
    assert hrefs == ["/", "/map", "/trends", "/share", "/risk", "/guidance", "/campaign"]
    assert web.page.title() == "Page not found · Jewelry Crime Analytics"
    web.page.locator("#not-found a[href='/map']").click()
    web.page.wait_for_url(re.compile(r"/map$"))
    web.page.wait_for_selector("#card-map")
    assert web.errors == [] and web.foreign == []
