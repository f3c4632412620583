"""Check an app that is already being served, the way a newcomer meets it: the server
answers, and a real browser draws the Explore view with no exception on the page. With
`--unavailable MODEL`, that shipped model is listed in the picker as unavailable, and picking
it says why (its optional dataset is missing) instead of showing a traceback.

    python -m tooling.served http://127.0.0.1:8501/ --wait 900 --unavailable fashion-mnist

.ci/run uses it on `make run` and on a bare `streamlit run app.py`. It prints one line of
JSON: seconds until the server answered and until Explore was drawn, both counted from
--since (a Unix time, e.g. when the command that starts the server was run) or from now.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request

from tooling.browser import chromium, new_page, wait_drawn

PICKER = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'
WARNING = '[data-testid="stAlertContentWarning"]'


def wait_health(url: str, seconds: float) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=2)
            return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"served: {url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.5)


def pick_model(page, label: str) -> None:
    page.locator(PICKER).click()
    page.get_by_role("option", name=label, exact=True).click()


def check(url: str, wait: float, since: float, unavailable: str | None) -> dict:
    wait_health(url, wait)
    times = {"server_answers_s": round(time.time() - since, 2)}
    errors: list[str] = []
    with chromium() as browser:
        context, page = new_page(browser, url, errors=errors)
        wait_drawn(page, timeout=wait * 1000)
        times["explore_drawn_s"] = round(time.time() - since, 2)
        shown = page.locator('[data-testid="stException"]')
        if shown.count():
            raise SystemExit(f"served: the page shows an exception: {shown.first.inner_text()}")
        if unavailable:
            label = f"{unavailable} (pretrained, unavailable)"
            pick_model(page, label)
            warning = page.locator(f'[data-testid="stMain"] {WARNING}')
            warning.wait_for(timeout=60_000)
            text = warning.inner_text()
            if "is not on this server" not in text or "Get it with" not in text:
                raise SystemExit(f"served: picking {label} says {text!r}")
            if page.locator('[data-testid="stException"]').count():
                raise SystemExit(f"served: picking {label} shows an exception")
            times["unavailable_said"] = next(line for line in text.splitlines()
                                             if "is not on this server" in line)
        if errors:
            raise SystemExit(f"served: the page logged errors: {errors}")
        context.close()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tooling.served", description=__doc__.split(
        "\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--wait", type=float, default=600, help="seconds to wait for each step")
    ap.add_argument("--since", type=float, default=None, help="Unix time the start was asked")
    ap.add_argument("--unavailable", metavar="MODEL", help="a shipped model that must be "
                    "listed as unavailable")
    a = ap.parse_args(argv)
    result = check(a.url, a.wait, a.since or time.time(), a.unavailable)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
