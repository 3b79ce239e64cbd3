// baas dashboard: small progressive enhancements. Every page works without this file.
"use strict";

(function () {
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  // Selects that submit their form when picked with the pointer (field type, page size). Keyboard
  // users change them with the arrow keys, so for them an "Apply" button appears instead.
  $$("select[data-autosubmit]").forEach((select) => {
    const apply = select.parentElement.querySelector("[data-apply]");
    if (apply) apply.classList.add("js-hidden");
    let pointer = false;
    select.addEventListener("pointerdown", () => { pointer = true; });
    select.addEventListener("keydown", () => { pointer = false; });
    select.addEventListener("change", () => {
      if (!pointer && apply) { apply.classList.remove("js-hidden"); return; }
      const form = select.form;
      if (select.dataset.autosubmit) {
        const action = document.createElement("input");
        action.type = "hidden"; action.name = "action"; action.value = select.dataset.autosubmit;
        form.appendChild(action);
      }
      form.submit();
    });
  });

  // New collection: the query box only for views.
  const viewOnly = document.querySelector("[data-view-only]");
  const showQuery = () => {
    const checked = document.querySelector("input[data-toggle-view]:checked");
    if (viewOnly) viewOnly.classList.toggle("js-hidden", !checked || checked.value !== "view");
  };
  $$("input[data-toggle-view]").forEach((radio) => radio.addEventListener("change", showQuery));
  showQuery();

  // Rules: show the expression only in "Expression" mode; check it live against the server.
  $$("[data-rule]").forEach((fieldset) => {
    const box = fieldset.querySelector("[data-rule-expression]");
    const update = () => {
      const checked = fieldset.querySelector("input[data-rule-mode]:checked");
      box.classList.toggle("js-hidden", !checked || checked.value !== "custom");
    };
    $$("input[data-rule-mode]", fieldset).forEach((radio) => radio.addEventListener("change", update));
    update();
  });

  $$("textarea[data-rule-check]").forEach((area) => {
    const status = document.getElementById(area.getAttribute("aria-describedby"));
    const check = debounce(async () => {
      const rule = area.value;
      status.replaceChildren();
      if (!rule.trim()) return;
      try {
        const response = await fetch(area.dataset.ruleCheck + "&rule=" + encodeURIComponent(rule), {
          credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (!response.ok) return;
        const result = await response.json();
        if (area.value !== rule) return;
        if (result.valid) {
          status.appendChild(text("p", "✓ Valid expression", "rule-ok"));
          area.removeAttribute("aria-invalid");
        } else {
          area.setAttribute("aria-invalid", "true");
          const where = result.position === null || result.position === undefined ? "" : " (at character " + (result.position + 1) + ")";
          status.appendChild(text("p", result.message + where, "field-error"));
          if (result.position !== null && result.position !== undefined) {
            status.appendChild(text("pre", rule + "\n" + " ".repeat(result.position) + "^", "caret"));
          }
        }
      } catch (error) { /* offline: the save reports errors anyway */ }
    }, 300);
    area.addEventListener("input", check);
  });

  // JSON editors: validate while typing.
  $$("textarea[data-json-check]").forEach((area) => {
    const status = area.parentElement.querySelector(".json-status");
    const check = () => {
      if (!status) return;
      if (!area.value.trim()) { status.textContent = ""; area.removeAttribute("aria-invalid"); return; }
      try {
        JSON.parse(area.value);
        status.textContent = "✓ Valid JSON"; status.className = "json-status help rule-ok";
        area.removeAttribute("aria-invalid");
      } catch (error) {
        status.textContent = "Invalid JSON: " + error.message; status.className = "json-status field-error";
        area.setAttribute("aria-invalid", "true");
      }
    };
    area.addEventListener("input", debounce(check, 200));
  });

  // Records table: select all, and the bulk button only with a selection.
  const all = document.querySelector("[data-select-all]");
  const rows = $$("[data-select-row]");
  const bulk = document.querySelector("[data-needs-selection]");
  const refresh = () => { if (bulk) bulk.disabled = !rows.some((row) => row.checked); };
  if (all) all.addEventListener("change", () => { rows.forEach((row) => { row.checked = all.checked; }); refresh(); });
  rows.forEach((row) => row.addEventListener("change", refresh));
  refresh();

  // Relation picker: search the related collection and offer the matches.
  $$("input[data-relation-search]").forEach((input) => {
    const select = document.getElementById(input.dataset.relationFor);
    const search = debounce(async () => {
      const response = await fetch(input.dataset.relationSearch + "?q=" + encodeURIComponent(input.value), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const found = await response.json();
      const known = new Set(Array.from(select.options).map((option) => option.value));
      $$("option[data-found]", select).forEach((option) => { if (!option.selected) option.remove(); });
      found.forEach((item) => {
        if (known.has(item.id)) return;
        const option = new Option(item.label === item.id ? item.id : item.label + " (" + item.id + ")", item.id);
        option.dataset.found = "1";
        select.appendChild(option);
      });
    }, 250);
    input.addEventListener("input", search);
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  });

  // File inputs: preview chosen images before upload.
  $$("input[data-file-preview]").forEach((input) => {
    const preview = input.parentElement.querySelector(".file-preview");
    input.addEventListener("change", () => {
      preview.replaceChildren();
      Array.from(input.files).forEach((file) => {
        if (!file.type.startsWith("image/")) { preview.appendChild(text("span", file.name, "pill")); return; }
        const image = document.createElement("img");
        image.alt = file.name; image.src = URL.createObjectURL(file);
        preview.appendChild(image);
      });
    });
  });

  // Copy buttons.
  async function copy(button, value) {
    try { await navigator.clipboard.writeText(value); button.textContent = "Copied"; }
    catch (error) { button.textContent = "Select and copy"; }
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  }
  $$("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => copy(button, button.parentElement.querySelector("pre").textContent));
  });
  $$("[data-copy-target]").forEach((button) => {
    button.addEventListener("click", () => copy(button, document.getElementById(button.dataset.copyTarget).value));
  });
})();
