// A dashboard page: its header, then its layout drawn by the renderer of its layout kind.
"use strict";

(() => {
  const { el } = Dashgen;
  const parts = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const org = parts[1];
  const uid = parts[2];
  const dataUrl = `/api/dashboard/${encodeURIComponent(org)}/${encodeURIComponent(uid)}`;

  function variableChip(v) {
    const flags = [v.type, v.multi ? "multi" : null, v.includeAll ? "All" : null, v.hide]
      .filter(Boolean).join(", ");
    return el("li", { class: "variable", dataset: { name: v.name } },
      el("span", { class: "var-name" }, v.label || v.name),
      v.value !== null ? el("span", { class: "var-value" }, v.value) : null,
      flags ? el("span", { class: "var-flags muted" }, flags) : null);
  }

  function renderHeader(data) {
    const header = data.header;
    const time = header.time.from || header.time.to
      ? `${header.time.from || "?"} to ${header.time.to || "?"}` : "default time range";
    const links = [el("a", { href: data.links.json, class: "json-link" }, "built JSON")];
    if (data.links.grafana) {
      links.push(el("a", { href: data.links.grafana, class: "grafana-link", target: "_blank",
        rel: "noopener noreferrer" }, "open in Grafana"));
    }
    Dashgen.fill(document.getElementById("header"),
      el("h1", { class: "dash-title" }, data.title || data.uid),
      el("div", { class: "dash-meta" },
        el("span", {}, "uid ", el("code", {}, data.uid)),
        el("span", {}, `org ${data.org}`),
        el("span", {}, `folder ${data.folder || "General"}`),
        data.schema !== "v1" ? el("span", { class: "schema" }, `schema ${data.schema}`) : null,
        el("span", { class: "tags" }, data.tags.map((t) => el("span", { class: "tag" }, t))),
        el("span", { class: "links" }, links)),
      el("div", { class: "dash-controls" },
        el("ul", { class: "variables" }, header.variables.map(variableChip)),
        el("span", { class: "time-range" }, time),
        el("span", { class: "refresh" }, header.refresh ? `refresh ${header.refresh}` : "no auto-refresh"),
        header.timezone ? el("span", { class: "timezone" }, `timezone ${header.timezone}`) : null),
      header.description ? el("p", { class: "muted" }, header.description) : null);
    document.getElementById("crumb").textContent = data.title || data.uid;
    document.title = `${data.title || data.uid} · dashgen preview`;
  }

  function renderLayout(layout) {
    const target = document.getElementById("layout");
    const renderer = Dashgen.layouts[layout.kind];
    if (!renderer) {
      Dashgen.fill(target, el("p", { class: "missing" },
        `This preview cannot draw a "${layout.kind}" layout yet.`));
      return;
    }
    renderer.render(target, layout);
  }

  async function load() {
    const { ok, body } = await Dashgen.fetchJSON(dataUrl);
    Dashgen.renderBuild(document.getElementById("build"), body.build);
    const missing = document.getElementById("missing");
    if (!ok) {
      // Removed or renamed: say so and keep whatever layout is on the page.
      missing.hidden = false;
      Dashgen.fill(missing, el("p", {}, body.error),
        el("a", { href: "/" }, "back to the index"));
    } else {
      missing.hidden = true;
      renderHeader(body);
      Dashgen.fill(document.getElementById("warnings"),
        Dashgen.problemList(body.warnings, "warning-list") || "");
      renderLayout(body.layout);
    }
    if (body.build) Dashgen.shown(body.build.generation);
  }

  Dashgen.live(load);
})();
