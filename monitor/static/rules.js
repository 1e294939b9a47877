// The rules page (/review/rules): each condition row of the new-rule form shows only the
// fields its choice reads (data-for), the word fields only for what it says; Enter in a
// rule's change form previews the row it was typed in, not the form's first button; a link
// to the new-rule form (#new-rule) unfolds it.
"use strict";

function shown(row) {
  const op = row.querySelector("select[name$='.op']").value;
  row.dataset.op = op;
  for (const part of row.querySelectorAll("[data-for]")) {
    part.hidden = !op || !part.dataset.for.split(" ").includes(op);
  }
  const what = row.querySelector("select[name$='.what']").value;
  row.querySelector(".kind").hidden = what !== "kind";
  const text = row.querySelector(".text");
  text.hidden = !["phrase", "says", "regex"].includes(what);
  text.placeholder = what === "regex" ? "正则表达式，如 (到|去).{0,8}窗口" : "词用顿号分隔，如 请稍等、稍等一下";
}

function rows(form) {
  const visit = form.querySelector("select[name=on]").value === "visit";
  let blank = false;
  for (const row of form.querySelectorAll("li.row")) {
    for (const option of row.querySelectorAll("select[name$='.op'] option")) {
      option.disabled = visit && option.value && !option.dataset.visit;
    }
    shown(row);
    // one empty row is offered after the last used one; the rest wait
    const used = row.dataset.op !== "";
    row.hidden = !used && blank;
    blank = blank || !used;
  }
}

function unfold() {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
}

document.addEventListener("DOMContentLoaded", () => {
  unfold();
  window.addEventListener("hashchange", unfold);
  const form = document.querySelector("form.new-rule");
  if (form) {
    rows(form);
    form.addEventListener("change", () => rows(form));
  }
  for (const tune of document.querySelectorAll("form.tune")) {
    tune.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
      const button = event.target.closest("tr")?.querySelector("button[name=pick]");
      if (button) {
        event.preventDefault();
        button.click();
      }
    });
  }
});
