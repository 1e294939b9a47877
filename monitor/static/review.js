// The review queue by keyboard: j/k move, 1-4 choose the reason, c confirms, d dismisses.
// Only classes move and the row's own buttons are clicked (the CSP forbids inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const items = Array.from(document.querySelectorAll("#queue .item"));
  let at = 0;
  function show(n) {
    if (!items.length) return;
    items[at].classList.remove("current");
    at = Math.max(0, Math.min(items.length - 1, n));
    items[at].classList.add("current");
    items[at].scrollIntoView({block: "nearest"});
  }
  items.forEach((item, n) => item.addEventListener("click", () => show(n)));
  document.addEventListener("keydown", (event) => {
    if (!items.length || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input[type=text], input[type=date], select, textarea")) return;
    const item = items[at];
    if (event.key === "j") show(at + 1);
    else if (event.key === "k") show(at - 1);
    else if (event.key === "c" || event.key === "d") {
      const decision = event.key === "c" ? "confirm" : "dismiss";
      item.querySelector(`button[value="${decision}"]`).click();
    } else if (["1", "2", "3", "4"].includes(event.key)) {
      const radio = item.querySelector(`input[name="reason"][data-key="${event.key}"]`);
      if (radio) radio.checked = true;
    } else return;
    event.preventDefault();
  });
  show(0);
});
