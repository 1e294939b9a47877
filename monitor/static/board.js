// Applies each pushed light change to its tile. Everything shown is set as textContent:
// transcripts are untrusted (a customer can say "<script>").
"use strict";
(() => {
  const body = document.body;
  const only = body.dataset.window || null;  // the counter page shows one window
  const grid = document.getElementById("tiles");
  const template = document.getElementById("tile-template");
  const conn = document.querySelector("[data-conn]");
  const tiles = new Map();
  for (const tile of document.querySelectorAll("[data-tile]")) tiles.set(tile.dataset.window, tile);

  function newTile(windowId) {
    const tile = template.content.firstElementChild.cloneNode(true);
    tile.dataset.window = windowId;
    const link = tile.querySelector("a.open");
    if (link) link.href = "/window/" + encodeURIComponent(windowId);
    const next = [...tiles.keys()].sort().find((name) => name > windowId);
    grid.insertBefore(tile, next === undefined ? null : tiles.get(next));
    grid.querySelector(".empty")?.remove();
    tiles.set(windowId, tile);
    return tile;
  }

  function apply(view) {
    let tile = tiles.get(view.window);
    if (!tile) {
      if (only || !template) return;
      tile = newTile(view.window);
    }
    if (Number(tile.dataset.event || 0) > view.event) return;  // an older change, late
    tile.dataset.state = view.state;
    tile.dataset.event = String(view.event);
    tile.dataset.ackable = view.ackable ? "1" : "";
    for (const el of tile.querySelectorAll("[data-field]")) el.textContent = view[el.dataset.field] ?? "";
    for (const el of tile.querySelectorAll("[data-title]")) el.title = view[el.dataset.title] ?? "";
    for (const el of tile.querySelectorAll("[data-value]")) el.value = String(view[el.dataset.value] ?? "");
    for (const el of tile.querySelectorAll("[data-href]")) {  // the visit's replay
      el.href = view[el.dataset.href] || "#";
      el.hidden = !view[el.dataset.href];
    }
    tile.classList.toggle("interrupted", view.state === "interrupted");
    const list = tile.querySelector("[data-list=findings]");
    list.replaceChildren(...view.findings.map((finding) => {
      const item = document.createElement("li");
      item.dataset.severity = finding.severity;
      item.title = finding.title || "";
      item.textContent = finding.text;
      if (finding.mark) {  // heard by a machine: marked, the pinyin in the title
        const mark = document.createElement("abbr");
        mark.className = "machine";
        mark.textContent = finding.mark;
        item.append(" ", mark);
      }
      return item;
    }));
    if (only) body.dataset.state = view.state;
    tile.dataset.appliedAt = String(performance.timeOrigin + performance.now());
  }

  function connect() {
    const params = new URLSearchParams({ after: body.dataset.last || "0" });
    if (only) params.set("window", only);
    if (body.dataset.counter) params.set("counter", "1");  // the counter screen's own view
    const source = new EventSource("/events?" + params.toString());
    const handle = (message) => {
      if (message.lastEventId) body.dataset.last = message.lastEventId;  // resume from here
      apply(JSON.parse(message.data));
    };
    source.addEventListener("light", handle);
    source.addEventListener("update", handle);
    source.onopen = () => { conn.textContent = "实时"; conn.dataset.ok = "1"; };
    source.onerror = () => {
      conn.textContent = "连接中断，正在重连…";
      conn.dataset.ok = "";
      // refused (503: too many open pages) or gone: the browser gives up, so try again later
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
    };
  }

  document.addEventListener("submit", async (submitted) => {
    const form = submitted.target.closest("form.ack");
    if (!form) return;
    submitted.preventDefault();
    const notice = form.closest("[data-tile]").querySelector("[data-notice]");
    notice.textContent = "";
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": body.dataset.csrf || "" },
      });
      const answer = await response.json();
      if (response.ok) apply(answer.window);
      else notice.textContent = answer.error || "确认失败";
    } catch (error) {
      notice.textContent = "确认失败：连接中断";
    }
  });

  connect();
})();
