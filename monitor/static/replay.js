// The replay page: the transcript and findings follow the player; clicking a line or a
// finding seeks there. The page arrives with every text in place (escaped by the server);
// this script only moves classes, positions and the clock's textContent.
"use strict";
(() => {
  const duration = Number(document.body.dataset.duration) || 0.1;
  const audio = document.getElementById("audio");
  const button = document.getElementById("play");
  const position = document.getElementById("position");
  const progress = document.getElementById("progress");
  const lines = [...document.querySelectorAll(".line[data-t]")];
  const seekers = [...document.querySelectorAll("[data-t]")];
  const total = position.textContent.split(" / ")[1] || "";

  // Times are seconds from the visit's start; the audio's 0 is `offset` of those.
  const offset = audio ? Number(audio.dataset.offset) || 0 : 0;
  let origin = 0;        // the timer's position when it last started or was seeked
  let startedAt = null;  // performance.now() when the timer started; null while paused

  function now() {
    if (audio) return audio.currentTime + offset;
    return startedAt === null ? origin : origin + (performance.now() - startedAt) / 1000;
  }

  function clock(seconds) {
    const s = Math.max(0, seconds);
    return String(Math.floor(s / 60)).padStart(2, "0") + ":" + (s % 60).toFixed(1).padStart(4, "0");
  }

  let current = -2;
  function show() {
    let t = now();
    if (!audio && startedAt !== null && t >= duration) {  // the timer stops at the end
      origin = duration;
      startedAt = null;
      button.textContent = "播放";
      t = duration;
    }
    let index = -1;
    while (index + 1 < lines.length && Number(lines[index + 1].dataset.t) <= t + 0.001) index++;
    if (index !== current) {
      lines.forEach((line, i) => line.classList.toggle("current", i === index));
      if (index >= 0) lines[index].scrollIntoView({ block: "nearest" });
      current = index;
    }
    progress.style.width = Math.min(100, Math.max(0, (t / duration) * 100)) + "%";
    position.textContent = clock(t) + " / " + total;
  }

  function seek(t) {
    if (audio) {
      audio.currentTime = Math.max(0, t - offset);
      audio.play().catch(() => {});  // a click is a gesture; a refusal just leaves it paused
    } else {
      origin = Math.min(duration, Math.max(0, t));
      startedAt = performance.now();
      button.textContent = "暂停";
    }
    show();
  }

  const rows = [];  // each row's right edge so far: a tick that would cover another goes lower
  for (const tick of document.querySelectorAll(".tick[data-t]")) {
    tick.style.left = Math.min(100, (Number(tick.dataset.t) / duration) * 100) + "%";
    const box = tick.getBoundingClientRect();
    let row = rows.findIndex((right) => box.left > right + 4);
    if (row < 0) { row = rows.length; rows.push(0); }
    rows[row] = box.right;
    tick.style.paddingTop = (1.3 + row * 1.1) + "rem";  // its mark stays on the bar
  }
  if (rows.length > 1) document.getElementById("timeline").style.height = (3.4 + (rows.length - 1) * 1.1) + "rem";
  for (const el of seekers) {
    el.addEventListener("click", (event) => {
      if (event.target.closest("form")) return;
      seek(Number(el.dataset.t));
    });
    el.addEventListener("keydown", (event) => {
      if (event.key === "Enter") seek(Number(el.dataset.t));
    });
  }

  const pinyin = document.getElementById("show-pinyin");  // what the recogniser heard
  if (pinyin) {
    pinyin.addEventListener("click", () => {
      const shown = document.body.classList.toggle("show-pinyin");
      pinyin.setAttribute("aria-pressed", String(shown));
      pinyin.textContent = shown ? "隐藏拼音" : "显示拼音";
    });
  }

  // The review queue and appeals link to a moment (#t=SECONDS from the visit's start): the
  // page opens there, paused, with that line current.
  function fragment() {
    const match = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
    return match ? Math.min(duration, Number(match[1])) : null;
  }
  function place(t) {
    if (!audio) {
      origin = t;
      startedAt = null;
      button.textContent = "播放";
      show();
      return;
    }
    const set = () => { audio.currentTime = Math.max(0, t - offset); show(); };
    if (audio.readyState >= 1) set(); else audio.addEventListener("loadedmetadata", set, { once: true });
  }
  window.addEventListener("hashchange", () => { const t = fragment(); if (t !== null) place(t); });

  if (audio) {
    for (const name of ["timeupdate", "seeked", "loadedmetadata"]) audio.addEventListener(name, show);
  } else {
    button.addEventListener("click", () => {
      if (startedAt === null) {
        if (origin >= duration) origin = 0;
        startedAt = performance.now();
        button.textContent = "暂停";
      } else {
        origin = now();
        startedAt = null;
        button.textContent = "播放";
      }
      show();
    });
    setInterval(() => { if (startedAt !== null) show(); }, 50);
  }
  const opening = fragment();
  if (opening !== null) place(opening); else show();
})();
