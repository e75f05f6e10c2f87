// Layout helpers run inside the page by dashboard/graphics/browser.py (and by the layout tests).
// jcFit: sets every [data-fit] text at the largest size of its range at which nothing overflows.
// jcCheck: the boxes of every line of text, and what is wrong with them (overlap, outside, too small).
// jcSvg: the laid-out page as SVG, text kept as text at the positions the browser measured.
(() => {
  const canvas = () => document.querySelector(".canvas");

  function overflowing() {
    const out = [];
    for (const el of [canvas(), ...document.querySelectorAll("[data-box]")]) {
      if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) out.push(el);
    }
    return out;
  }

  function setScale(fits, t) {
    for (const el of fits) {
      const lo = parseFloat(el.dataset.min), hi = parseFloat(el.dataset.max);
      el.style.fontSize = (lo + t * (hi - lo)).toFixed(2) + "px";
    }
  }

  // One scale t in [0, 1] for all fitted texts (size = min + t * (max - min)), found by bisection:
  // the texts keep their proportions and the largest t at which nothing overflows wins.
  window.jcFit = function () {
    const fits = [...document.querySelectorAll("[data-fit]:not([data-fit=grow])")];
    const grows = [...document.querySelectorAll("[data-fit=grow]")];
    // the big number first holds its reserve (data-reserve of its range); if the words cannot fit
    // around that, it falls back to its smallest size and the words get the room
    const wide = (el) => { const box = el.closest("[data-box]") || el; return box.scrollWidth > box.clientWidth + 1; };
    const held = new Map();
    setScale(fits, 1);
    for (const el of grows) {  // a reserve never wider than the number's own box
      let t = parseFloat(el.dataset.reserve || "0");
      setScale([el], t);
      while (t > 0 && wide(el)) { t = Math.max(0, t - 0.05); setScale([el], t); }
      held.set(el, t);
    }
    const reserve = (on) => grows.forEach((el) => setScale([el], on ? held.get(el) : 0));
    reserve(true);
    let scale = 1;
    setScale(fits, 1);
    if (overflowing().length) {
      setScale(fits, 0);
      if (overflowing().length) { reserve(false); }
      const still = overflowing();
      if (still.length) {
        const problems = still.map((el) => {
          const named = el.closest("[data-name]") || el;
          const texts = [...named.querySelectorAll("[data-fit]")].map((f) => `${f.dataset.name} (${f.textContent.trim().length} characters)`);
          return `${named.dataset.name || el.className} does not fit even at the smallest type size` + (texts.length ? ": " + texts.join(", ") : "");
        });
        return { ok: false, scale: 0, problems: [...new Set(problems)] };
      }
      let lo = 0, hi = 1;
      for (let i = 0; i < 10; i++) {
        const mid = (lo + hi) / 2;
        setScale(fits, mid);
        if (overflowing().length) hi = mid; else lo = mid;
      }
      scale = lo;
      setScale(fits, lo);
    }
    // then each growing text (the big number) takes the room left in its own box
    for (const el of grows) {
      let lo = 0, hi = 1;
      setScale([el], 1);
      if (!overflowing().length) continue;
      for (let i = 0; i < 10; i++) {
        const mid = (lo + hi) / 2;
        setScale([el], mid);
        if (overflowing().length) hi = mid; else lo = mid;
      }
      setScale([el], lo);
    }
    return { ok: true, scale, problems: [] };
  };

  function textNodes(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.textContent.trim() && !n.parentElement.closest("svg, script, style") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
    });
    const out = [];
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }

  // Lines of one text node: [{text, left, top, right, bottom}], from a range per character.
  function lines(node) {
    const out = [];
    const text = node.textContent;
    const range = document.createRange();
    let cur = null;
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const r = [...range.getClientRects()].find((x) => x.width > 0 || x.height > 0);
      if (!r) continue;
      if (!cur || Math.abs(r.top - cur.top) > r.height / 2) {
        if (cur) out.push(cur);
        cur = { text: "", left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      }
      cur.text += text[i];
      if (text[i].trim()) { cur.right = Math.max(cur.right, r.right); }
      cur.left = Math.min(cur.left, r.left); cur.bottom = Math.max(cur.bottom, r.bottom);
    }
    if (cur) out.push(cur);
    return out.filter((l) => l.text.trim());
  }

  // Every line of text with its element's name, size and the panel it must stay inside.
  window.jcBoxes = function () {
    const out = [];
    for (const node of textNodes(canvas())) {
      const el = node.parentElement, style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") continue;
      const owner = el.closest("[data-name]");
      const panel = el.closest("[data-panel]");
      for (const l of lines(node)) {
        // trim trailing spaces' width: measure the visible glyphs only
        const words = l.text.trim();
        out.push({ name: owner ? owner.dataset.name : el.tagName.toLowerCase(), text: words, size: parseFloat(style.fontSize),
          left: l.left, top: l.top, right: l.right, bottom: l.bottom,
          panel: panel ? panel.dataset.panel : null, panelBox: panel ? panel.getBoundingClientRect().toJSON() : null });
      }
    }
    return out;
  };

  // Problems: text lines of different elements that overlap, lines outside the canvas or their panel,
  // text smaller than the preset's minimum (data-text-min on the canvas).
  window.jcCheck = function () {
    const boxes = window.jcBoxes();
    const c = canvas().getBoundingClientRect();
    const minSize = parseFloat(canvas().dataset.textMin || "0");
    const problems = [];
    const eps = 0.5;
    const inside = (b, r) => b.left >= r.left - eps && b.right <= r.right + eps && b.top >= r.top - eps && b.bottom <= r.bottom + eps;
    boxes.forEach((b, i) => {
      if (!inside(b, c)) problems.push(`${b.name}: "${b.text.slice(0, 40)}" leaves the canvas`);
      if (b.panelBox && !inside(b, b.panelBox)) problems.push(`${b.name}: "${b.text.slice(0, 40)}" leaves its panel ${b.panel}`);
      if (b.size < minSize - 0.01) problems.push(`${b.name}: "${b.text.slice(0, 40)}" is ${b.size.toFixed(1)} px, under the ${minSize.toFixed(1)} px minimum`);
      for (let j = i + 1; j < boxes.length; j++) {
        const o = boxes[j];
        if (o.name === b.name && o.top === b.top) continue; // one line split over two text nodes
        const w = Math.min(b.right, o.right) - Math.max(b.left, o.left);
        const h = Math.min(b.bottom, o.bottom) - Math.max(b.top, o.top);
        if (w > eps && h > eps && !(o.name === b.name && Math.abs(o.top - b.top) < 1)) {
          problems.push(`${b.name}: "${b.text.slice(0, 30)}" overlaps ${o.name}: "${o.text.slice(0, 30)}"`);
        }
      }
    });
    return { boxes, problems };
  };

  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const visible = (colour) => colour && colour !== "transparent" && !/rgba\([^)]*,\s*0\)$/.test(colour);

  window.jcSvg = function () {
    const c = canvas(), cb = c.getBoundingClientRect();
    const parts = [];
    const walk = (el) => {
      const s = getComputedStyle(el);
      if (s.display === "none" || s.visibility === "hidden") return;
      const r = el.getBoundingClientRect();
      const x = r.left - cb.left, y = r.top - cb.top;
      if (el.tagName.toLowerCase() === "svg") {
        const copy = el.cloneNode(true);
        copy.setAttribute("x", x); copy.setAttribute("y", y);
        copy.setAttribute("width", r.width); copy.setAttribute("height", r.height);
        parts.push(copy.outerHTML);
        return;
      }
      const radius = parseFloat(s.borderTopLeftRadius) || 0;
      const bw = parseFloat(s.borderTopWidth) || 0;
      if (visible(s.backgroundColor) || (bw > 0 && visible(s.borderTopColor))) {
        const fill = visible(s.backgroundColor) ? s.backgroundColor : "none";
        const stroke = bw > 0 && visible(s.borderTopColor) ? ` stroke="${s.borderTopColor}" stroke-width="${bw}"` : "";
        parts.push(`<rect x="${x + bw / 2}" y="${y + bw / 2}" width="${r.width - bw}" height="${r.height - bw}" rx="${Math.min(radius, r.width / 2)}" fill="${fill}"${stroke}/>`);
      }
      if (el.tagName.toLowerCase() === "img") {
        parts.push(`<image href="${esc(el.src)}" x="${x}" y="${y}" width="${r.width}" height="${r.height}" preserveAspectRatio="xMidYMid meet"/>`);
        return;
      }
      for (const child of el.childNodes) {
        if (child.nodeType === Node.ELEMENT_NODE) walk(child);
        else if (child.nodeType === Node.TEXT_NODE && child.textContent.trim()) {
          for (const l of lines(child)) {
            const size = parseFloat(s.fontSize);
            const baseline = l.top - cb.top + (l.bottom - l.top) * 0.5 + size * 0.35;
            const spacing = s.letterSpacing && s.letterSpacing !== "normal" ? ` letter-spacing="${s.letterSpacing}"` : "";
            const underline = (s.textDecorationLine || "").includes("underline") ? ' text-decoration="underline"' : "";
            parts.push(`<text x="${(l.left - cb.left).toFixed(1)}" y="${baseline.toFixed(1)}" font-family="${esc(s.fontFamily)}" font-size="${size.toFixed(2)}" font-weight="${s.fontWeight}" fill="${s.color}"${s.fontStyle === "italic" ? ' font-style="italic"' : ""}${spacing}${underline} xml:space="preserve">${esc(l.text.replace(/\s+$/, ""))}</text>`);
          }
        }
      }
    };
    walk(c);
    return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${cb.width}" height="${cb.height}" viewBox="0 0 ${cb.width} ${cb.height}"><rect width="100%" height="100%" fill="#ffffff"/>${parts.join("")}</svg>`;
  };

  // The box a chart must fill, after the text around it is fitted.
  window.jcSlot = function () {
    const slot = document.querySelector("[data-chart-slot]");
    if (!slot) return null;
    const r = slot.getBoundingClientRect();
    return { width: Math.floor(r.width), height: Math.floor(r.height) };
  };

  window.jcPlaceChart = function (svg) {
    const slot = document.querySelector("[data-chart-slot]");
    slot.innerHTML = svg;
    const el = slot.querySelector("svg");
    const w = parseFloat(el.getAttribute("width")), h = parseFloat(el.getAttribute("height"));
    if (!el.getAttribute("viewBox")) el.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const r = slot.getBoundingClientRect();  // drawn smaller and scaled up: chart type grows with the graphic
    el.setAttribute("width", Math.floor(r.width)); el.setAttribute("height", Math.floor(r.height));
    el.removeAttribute("style");
    el.style.display = "block";
    return true;
  };
})();
