/* jewelcrime: what the page layout does in the browser, with no server round trip.

   1. The filter drawers (dashboard/controls.py filter_row). On a phone app.css folds each filter row
      away; a row and the rows right after it are one drawer, opened and closed by the first one's
      "Filters" button (class is-open). Which drawers are open is kept here, not in the page, so a drawer
      stays open while the page is drawn again after a filter change; another page starts closed. The
      button says how many of its filters the address sets (the two years count as one).
   2. Each chart keeps to its card's height, also when a filter change draws a new figure in it.
   3. The scroll position across a filter change. A filter writes the URL (controls.sync_url), and Dash
      Pages draws the page again from it: for a moment the page is shorter than before and the browser
      scrolls up. sync_url calls keepScroll() just before it writes the URL: the page keeps its height and
      the scroll position until every callback the change set off has answered and the page is quiet.
*/
(function () {
    "use strict";
    const jc = window.jewelcrime = window.jewelcrime || {};
    const QUIET_MS = 400;  // no change to the page for this long: the new page is laid out
    const LONGEST_MS = 15000;  // give up keeping the position after this long (a callback that never answers)

    // ------------------------------------------------------------ Dash's callback requests in flight
    let inflight = 0;
    const fetchBefore = window.fetch;
    window.fetch = function (input) {
        const url = typeof input === "string" ? input : (input && input.url) || "";
        if (url.indexOf("_dash-update-component") < 0) {
            return fetchBefore.apply(this, arguments);
        }
        inflight += 1;
        return fetchBefore.apply(this, arguments).finally(function () {
            inflight -= 1;
            changed();
        });
    };

    // ------------------------------------------------------------ the filter drawer
    const open = new Set();  // the drawers open on this page, by their place on it (0: the first)

    function drawers() {  // a filter row and the rows right after it make one drawer, under the first's button
        const found = [];
        document.querySelectorAll(".filter-fold").forEach(function (fold) {
            const before = fold.previousElementSibling;
            if (found.length && before && before.classList.contains("filter-fold")) {
                found[found.length - 1].push(fold);
            } else {
                found.push([fold]);
            }
        });
        return found;
    }

    function drawControls() {
        const query = new URLSearchParams(window.location.search);
        drawers().forEach(function (folds, i) {
            const set = new Set();  // the filters of this drawer the address sets (the two years count as one)
            query.forEach(function (value, key) {
                if (/^[a-z_]+$/.test(key) && value !== "" &&
                    folds.some(function (fold) { return fold.querySelector('[id$="-' + key + '"]'); })) {
                    set.add(key.indexOf("year_") === 0 ? "years" : key);
                }
            });
            const text = set.size ? " (" + set.size + " set)" : "";
            folds.forEach(function (fold) {
                if (fold.classList.contains("is-open") !== open.has(i)) {
                    fold.classList.toggle("is-open", open.has(i));
                }
            });
            const button = folds[0].querySelector(".filter-toggle");
            const count = button && button.querySelector(".filter-count");
            if (button && button.getAttribute("aria-expanded") !== String(open.has(i))) {
                button.setAttribute("aria-expanded", String(open.has(i)));
            }
            if (count && count.textContent !== text) {
                count.textContent = text;
            }
        });
        // the menu's toggler says whether the menu is open (the callback in dashboard/app.py keeps it so)
        const toggler = document.querySelector(".navbar-toggler");
        if (toggler && !toggler.hasAttribute("aria-expanded")) {
            toggler.setAttribute("aria-expanded", "false");
            toggler.setAttribute("aria-controls", "nav-collapse");
        }
    }

    document.addEventListener("click", function (event) {
        const button = event.target.closest ? event.target.closest(".filter-toggle") : null;
        if (button) {
            const i = drawers().findIndex(function (folds) { return folds[0].contains(button); });
            if (open.has(i)) {
                open.delete(i);
            } else {
                open.add(i);
            }
            drawControls();
        }
    });

    // ------------------------------------------------------------ the scroll position
    let keep = null;  // {y, main, since, last} while a filter change is being drawn

    jc.keepScroll = function () {
        const main = document.getElementById("main");
        if (!main) {
            return;
        }
        const now = Date.now();
        if (!keep) {
            keep = {y: window.scrollY, main: main, since: now};
            main.style.minHeight = main.offsetHeight + "px";
            document.documentElement.style.overflowAnchor = "none";  // the saved position, not an anchor's
        }
        keep.last = now;
        window.setTimeout(check, QUIET_MS);
    };

    function release() {
        if (keep) {
            keep.main.style.minHeight = "";
            document.documentElement.style.overflowAnchor = "";
            keep = null;
        }
    }

    function check() {
        if (!keep) {
            return;
        }
        const now = Date.now();
        if (Math.abs(window.scrollY - keep.y) > 1) {
            window.scrollTo({top: keep.y, behavior: "instant"});
        }
        if (now - keep.since > LONGEST_MS || (inflight === 0 && now - keep.last >= QUIET_MS)) {
            release();
        } else {
            window.setTimeout(check, QUIET_MS / 2);
        }
    }

    // the reader scrolls: their position, not the saved one
    ["wheel", "touchmove"].forEach(function (name) {
        window.addEventListener(name, release, {passive: true});
    });

    // ------------------------------------------------------------ charts keep to their cards
    // Plotly draws a figure at the height written in it. On a page's first draw the graph is then fitted
    // to its box (the card's height), but a figure that replaces another in the same graph (a filter
    // change) is not, and a taller one ran over the summary under it: fit it here.
    function fitCharts() {
        if (!window.Plotly || !window.Plotly.Plots) {
            return;
        }
        document.querySelectorAll(".chart-graph .js-plotly-plot").forEach(function (gd) {
            const box = gd.closest(".chart-graph");
            const height = gd.layout && gd.layout.height;
            if (height && box.clientHeight > 0 && Math.abs(height - box.clientHeight) > 1 && !gd.jcFitting) {
                gd.jcFitting = true;
                Promise.resolve(window.Plotly.Plots.resize(gd)).finally(function () {
                    gd.jcFitting = false;
                });
            }
        });
    }

    // ------------------------------------------------------------ every change to the page
    let path = window.location.pathname;
    let frame = 0;

    function changed() {
        if (keep) {
            keep.last = Date.now();
        }
        if (!frame) {
            frame = window.requestAnimationFrame(function () {
                frame = 0;
                if (window.location.pathname !== path) {  // another page: its drawers start closed
                    path = window.location.pathname;
                    open.clear();
                }
                if (keep && Math.abs(window.scrollY - keep.y) > 1) {
                    window.scrollTo({top: keep.y, behavior: "instant"});
                }
                drawControls();
                fitCharts();
            });
        }
    }

    function start() {
        new MutationObserver(changed).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                              attributeFilter: ["class"]});
        changed();
    }

    if (document.body) {
        start();
    } else {
        document.addEventListener("DOMContentLoaded", start);
    }
}());
