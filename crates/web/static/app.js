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

// The 申报书 form: the formal review runs while the applicant types. The form carries the saved
// document (data-document); every input is named by its path in it (leader.title, teachers[2].hours),
// so the script rebuilds the whole document from what is on screen, posts it to the public check
// endpoint, and puts each finding beside the field it names. Without the script, saving shows the
// same findings from the server.
(() => {
  const form = document.getElementById("application-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";
  const summary = document.getElementById("review-summary");
  const list = document.getElementById("review-findings");
  const submit = document.getElementById("submit-application");

  const valueOf = (input) => {
    const text = input.value.trim();
    switch (input.dataset.kind) {
      case "bool": return text === "true";
      case "int": return text === "" ? 0 : (/^\d+$/.test(text) ? Number(text) : text);
      case "tenths": return text === "" ? 0 : text;
      case "optchoice": return text === "" ? null : text;
      default: return text;
    }
  };
  // Sets a dotted path with [i] indices, making objects and arrays on the way.
  const setPath = (doc, path, value) => {
    const parts = path.split(".");
    let cur = doc;
    parts.forEach((part, i) => {
      const m = part.match(/^([^[]+)(?:\[(\d+)\])?$/);
      const key = m[1];
      const index = m[2] === undefined ? null : Number(m[2]);
      const last = i === parts.length - 1;
      if (index === null) {
        if (last) cur[key] = value; else cur = (cur[key] ??= {});
      } else {
        const arr = (cur[key] ??= []);
        if (last) arr[index] = value; else cur = (arr[index] ??= {});
      }
    });
  };
  const buildDocument = () => {
    const doc = JSON.parse(form.dataset.document);
    // Tables are rebuilt from their rows; a row counts once something is typed into it.
    form.querySelectorAll("fieldset[data-array]").forEach((set) => {
      const rows = [];
      set.querySelectorAll(".row-fields").forEach((row) => {
        const inputs = [...row.querySelectorAll("[data-path]")];
        const typed = inputs.some((i) => ["text", "int", "tenths", "date", "area"].includes(i.dataset.kind) && i.value.trim() !== "");
        if (!typed) return;
        const item = {};
        inputs.forEach((i) => { item[i.dataset.path.split(".").pop()] = valueOf(i); });
        rows.push(item);
      });
      setPath(doc, set.dataset.array, rows);
    });
    form.querySelectorAll(".field [data-path]").forEach((input) => {
      if (input.closest("fieldset[data-array]")) return;
      // The ID number is shown masked: an unchanged mask is not sent for checking.
      if (input.dataset.path === "leader.id_number" && input.value.includes("*")) return;
      setPath(doc, input.dataset.path, valueOf(input));
    });
    return doc;
  };
  const masked = () => {
    const id = form.querySelector('[data-path="leader.id_number"]');
    return id && id.value.includes("*");
  };
  const show = (review) => {
    form.querySelectorAll("[data-findings-for]").forEach((ul) => {
      const path = ul.dataset.findingsFor;
      if (path === "leader.id_number" && masked()) return;
      ul.replaceChildren(...review.findings
        .filter((f) => f.field === path || f.field.startsWith(path + "."))
        .map((f) => {
          const li = document.createElement("li");
          li.className = f.severity === "error" ? "error" : "warning";
          li.textContent = (f.severity === "error" ? "错误：" : "提示：") + f.message;
          return li;
        }));
    });
    const errors = review.findings.filter((f) => f.severity === "error" && !(masked() && f.field === "leader.id_number")).length;
    const warnings = review.findings.length - review.findings.filter((f) => f.severity === "error").length;
    if (summary) {
      summary.textContent = (errors === 0 ? "没有阻止提交的错误" : `还有 ${errors} 处错误阻止提交`) +
        (warnings > 0 ? `，${warnings} 处提示（不影响提交）` : "") + "（按页面上尚未保存的内容审查）。";
      summary.className = errors === 0 ? "ok" : "error";
    }
    if (list) {
      list.replaceChildren(...review.findings.map((f) => {
        const li = document.createElement("li");
        li.className = f.severity === "error" ? "error" : "warning";
        li.textContent = `${f.field}：${f.message}`;
        return li;
      }));
    }
    if (submit) {
      submit.disabled = true;
      submit.textContent = "请先保存，再提交";
    }
  };
  let timer = null;
  const check = async () => {
    try {
      const response = await fetch("/api/v1/applications/check", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(buildDocument()),
      });
      const body = await response.json();
      if (response.ok) {
        show(body);
      } else if (summary) {
        summary.textContent = "无法审查：" + (body.error?.message || body.message || "内容格式有误");
        summary.className = "error";
      }
    } catch (_) { /* offline: the server reviews on save */ }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  };
  // Selects report a choice as "change" in some browsers and "input" in others: listen to both.
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();

document.addEventListener("submit", (event) => {
  // Long uploads (published lists) show a progress bar while the file is sent and checked:
  // <form data-progress> with a hidden <progress>.
  const form = event.target.closest("form[data-progress]");
  const bar = form && form.querySelector("progress");
  if (bar) {
    bar.hidden = false;
  }
});

// The execution report's survey grid: each count's share of all learners, recomputed while typing
// (the server computes the same shares when the page is drawn).
document.addEventListener("input", (event) => {
  const input = event.target.closest("input[data-share]");
  const form = input && input.closest("[data-learners]");
  if (!form) return;
  const learners = Number(form.getAttribute("data-learners"));
  const count = Number(input.value);
  const output = input.parentElement.querySelector("output");
  if (!output) return;
  output.textContent =
    learners > 0 && input.value.trim() !== "" && Number.isInteger(count) && count >= 0
      ? (Math.round((count * 1000) / learners) / 10).toFixed(1) + "%"
      : "";
});
