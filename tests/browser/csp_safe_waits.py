"""Playwright's `wait_for_function` under the dashboard's Content-Security-Policy.

Playwright evaluates a `wait_for_function` predicate with `eval` inside the page, which a policy without
'unsafe-eval' forbids (an EvalError, and a CSP violation in the console). `page.evaluate` goes through the
browser's DevTools protocol, which the page's policy does not govern. Loaded as a pytest plugin
(`-p tests.browser.csp_safe_waits`, or from tests/browser/conftest.py), this turns `Page.wait_for_function`
into a poll of `page.evaluate`, so the browser tests run against the policy as it is served, unweakened.
"""
from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Error, Page, TimeoutError

_original = Page.wait_for_function


def _as_function(expression: str) -> str:
    text = expression.strip()
    if text.startswith(("function", "async ")) or "=>" in text.split("\n", 1)[0][:80] and text.startswith("("):
        return text
    return f"() => ({text})"


def wait_for_function(self: Page, expression: str, *, arg: Any = None, timeout: float | None = None,  # noqa: ANN401
                      polling: Any = None) -> Any:  # noqa: ANN401, ARG001 - polled every 100 ms
    source = _as_function(expression)
    deadline = time.monotonic() + (30_000 if timeout is None else timeout) / 1000
    while True:
        try:
            if self.evaluate(f"async (a) => !!(await ({source})(a))", arg):
                return self.evaluate_handle(source, arg)
        except Error as exc:
            if "Execution context was destroyed" not in str(exc):  # a navigation: try again on the new page
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"Page.wait_for_function: Timeout {timeout}ms exceeded waiting for {expression[:120]}")
        time.sleep(0.1)


Page.wait_for_function = wait_for_function
