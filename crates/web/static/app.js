// jijiao: progressive enhancement only; every page works without it. Loaded as a file, never
// inline, so the Content-Security-Policy can forbid inline scripts.
"use strict";
// The stylesheet folds what only the script can unfold (the phone menu) under .js alone.
document.documentElement.classList.add("js");

// On a phone a long menu folds behind the "菜单" button (issue 18).
(() => {
  const toggle = document.querySelector(".menu-toggle");
  const menu = document.getElementById("menu");
  if (!toggle || !menu) return;
  toggle.addEventListener("click", () => {
    const open = menu.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
})();

const phone = () => window.matchMedia("(max-width: 700px)").matches;

// Lists become cards on a phone: each cell carries its column's name, shown before the value.
document.querySelectorAll("main table:not(.calendar)").forEach((table) => {
  const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  if (names.length === 0) return;
  table.querySelectorAll("tbody tr").forEach((tr) => {
    let column = 0;
    [...tr.children].forEach((cell) => {
      const span = Number(cell.getAttribute("colspan") || 1);
      if (span === 1 && cell.tagName === "TD" && names[column] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", names[column]);
      }
      column += span;
    });
  });
});

// The catalogue's filters fold behind "筛选" on a phone unless one is in use: results come first.
(() => {
  const more = document.getElementById("more-filters");
  if (more && phone() && more.dataset.active === "0") more.open = false;
})();
document.addEventListener("click", (event) => {
  // Destructive actions ask first: <button data-confirm="确定删除？">.
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// The 申报书 form: the formal review runs while the applicant types. The form carries the saved
// document (data-document); every input is named by its path in it (leader.title, teachers[2].hours),
// so the script rebuilds the whole document from what is on screen and posts it to the draft's own
// check (data-check), which judges it as saving would: the stored ID number stands for its mask, the
// context comes from the records, and a value that is not of its field's kind is one finding among
// the others. Each finding comes back with its field's Chinese label and step; the script puts it
// beside its field and links it from the list. Without the script, saving shows the same findings.
(() => {
  const form = document.getElementById("application-form");
  if (!form) return;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";
  const summary = document.getElementById("review-summary");
  const list = document.getElementById("review-findings");
  const submit = document.getElementById("submit-application");
  const checkUrl = form.dataset.check || "/api/v1/applications/check";
  const editUrl = form.getAttribute("action");

  // Text that is not a number goes as typed: the check names it as a finding of its field.
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
    // The ID number's mask goes as it is: the check reads it as the stored number, as saving does.
    form.querySelectorAll(".field [data-path]").forEach((input) => {
      if (input.closest("fieldset[data-array]")) return;
      setPath(doc, input.dataset.path, valueOf(input));
    });
    return doc;
  };
  // The step's name from the step navigation ("2. 项目负责人信息").
  const stepLabel = (code) => {
    const link = document.querySelector(`.steps a[href$="step=${code}"]`);
    return link ? link.textContent.replace(/^\d+\.\s*/, "").trim() : "";
  };
  const item = (f) => {
    const li = document.createElement("li");
    li.className = f.severity === "error" ? "error" : "warning";
    return li;
  };
  const show = (review) => {
    form.querySelectorAll("[data-findings-for]").forEach((ul) => {
      const path = ul.dataset.findingsFor;
      ul.replaceChildren(...review.findings
        .filter((f) => f.field === path || f.field.startsWith(path + "."))
        .map((f) => {
          const li = item(f);
          li.textContent = (f.severity === "error" ? "错误：" : "提示：") + f.message;
          return li;
        }));
    });
    if (summary) {
      summary.textContent = (review.errors === 0 ? "没有阻止提交的错误" : `还有 ${review.errors} 处错误阻止提交`) +
        (review.warnings > 0 ? `，${review.warnings} 处提示（不影响提交）` : "") + "（按页面上尚未保存的内容审查）。";
      summary.className = review.errors === 0 ? "ok" : "error";
    }
    if (list) {
      list.replaceChildren(...review.findings.map((f) => {
        const li = item(f);
        const where = stepLabel(f.step);
        if (f.step) {
          // A finding of this step links within the page (what is typed stays); another step's, to it.
          const a = document.createElement("a");
          const anchor = "#" + (f.anchor || "application-form");
          a.href = f.step === form.dataset.step ? anchor : `${editUrl}?step=${f.step}${anchor}`;
          a.textContent = f.label;
          li.append(a, (where && where !== f.label ? `（${where}）` : "") + "：" + f.message);
        } else {
          li.textContent = `${f.label}：${f.message}`;
        }
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
      const response = await fetch(checkUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(buildDocument()),
      });
      const body = await response.json();
      if (response.ok) {
        show(body);
      } else if (summary) {
        summary.textContent = "无法审查：" + (body.message || "内容格式有误");
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

// Tables of the 申报书 (teachers, periods, earlier projects) take another row without saving
// first: the last row is copied with the next index in every name and cleared.
document.querySelectorAll("fieldset[data-array] .add-row").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => {
    const rows = button.closest("fieldset").querySelectorAll(".row-fields");
    const last = rows[rows.length - 1];
    const index = rows.length;
    const row = last.cloneNode(true);
    row.dataset.row = String(index);
    const renumber = (text) => text.replace(/\[\d+\]/, `[${index}]`);
    row.querySelectorAll("[name], [id], [for], [data-path], [data-findings-for], [data-field]").forEach((el) => {
      for (const attr of ["name", "id", "for", "data-path", "data-findings-for", "data-field"]) {
        if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr)));
      }
    });
    row.querySelectorAll("input, textarea").forEach((el) => { el.value = ""; });
    row.querySelectorAll("select").forEach((el) => { el.selectedIndex = 0; });
    row.querySelectorAll(".findings").forEach((el) => el.replaceChildren());
    const title = row.querySelector(".row-title");
    if (title) title.textContent = `第 ${index + 1} 行`;
    last.after(row);
    row.querySelector("input, textarea, select")?.focus();
  });
});

// A long list of people narrows as a name or ID number is typed (<input data-filter-select="id">):
// the ID numbers are shown masked, so a typed number matches on its first six and last four.
document.querySelectorAll("input[data-filter-select]").forEach((input) => {
  const select = document.getElementById(input.dataset.filterSelect);
  if (!select) return;
  input.hidden = false;
  const options = [...select.options];
  input.addEventListener("input", () => {
    const typed = input.value.trim().toUpperCase();
    const id = /^\d{6,17}[\dX]?$/.test(typed);
    let first = null;
    options.forEach((option) => {
      const text = option.textContent.toUpperCase();
      const match = typed === "" || text.includes(typed) ||
        (id && text.includes(typed.slice(0, 6)) && (typed.length < 18 || text.includes(typed.slice(-4))));
      option.hidden = !match;
      if (match && first === null) first = option;
    });
    if (first && select.selectedOptions[0]?.hidden) first.selected = true;
  });
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
