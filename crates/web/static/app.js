// jijiao: progressive enhancement only; every page works without it. Loaded as a file, never
// inline, so the Content-Security-Policy can forbid inline scripts.
"use strict";
document.addEventListener("click", (event) => {
  // Destructive actions ask first: <button data-confirm="确定删除？">.
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
document.addEventListener("submit", (event) => {
  // Long uploads (published lists) show a progress bar while the file is sent and checked:
  // <form data-progress> with a hidden <progress>.
  const form = event.target.closest("form[data-progress]");
  const bar = form && form.querySelector("progress");
  if (bar) {
    bar.hidden = false;
  }
});
