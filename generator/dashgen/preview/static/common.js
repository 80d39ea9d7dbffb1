// Shared by every page: DOM building (text only, never HTML), the build banner, live updates.
"use strict";

const Dashgen = (() => {
  // Grafana's grid (public/app/core/constants.ts): GRID_COLUMN_COUNT, GRID_CELL_HEIGHT,
  // GRID_CELL_VMARGIN; react-grid-layout uses the margin both ways, with no container padding.
  const GRID = Object.freeze({ columns: 24, cellHeight: 30, margin: 8 });

  const layouts = {}; // layout kind -> { render(container, layout) }; grid.js adds "grid"

  // Only this server's paths and http(s)/mailto links are ever put into an href.
  function safeHref(value) {
    const text = String(value || "");
    if (text.startsWith("/") && !text.startsWith("//")) return text;
    try {
      const url = new URL(text);
      if (["http:", "https:", "mailto:"].includes(url.protocol)) return url.href;
    } catch (error) {
      // not a URL
    }
    return "#";
  }

  // el("div", {class: "x", dataset: {...}, onclick: fn}, "text", child, [more])
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "href") node.setAttribute("href", safeHref(value));
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    return append(node, children);
  }

  // Nodes go in as they are, anything else as a text node (never as HTML); null,
  // undefined and false are left out.
  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // Replaces what node holds with children.
  function fill(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  const STATE_LABELS = {
    building: "building",
    ok: "built",
    failed: "build failed",
    "config-error": "config error",
  };

  function renderBuild(container, build) {
    container.replaceChildren();
    if (!build) return;
    container.className = `build-status build-${build.state}`;
    container.dataset.state = build.state;
    container.append(
      el("div", { class: "build-head" },
        el("span", { class: "build-state" }, STATE_LABELS[build.state] || build.state),
        el("span", { class: "build-summary" }, build.summary),
        build.at ? el("span", { class: "build-at" }, build.at) : null),
    );
    if (build.message) container.append(el("pre", { class: "build-message" }, build.message));
    if (build.problems.length) {
      container.append(el("ul", { class: "problems" },
        build.problems.map((p) => el("li", { class: `problem ${p.severity}` }, p.text))));
    }
    if (build.publish) {
      const publish = build.publish;
      const lines = publish.events.map((e) =>
        `${e.action}: ${e.uid}${e.url ? " " + e.url : ""}${e.error ? ": " + e.error : ""}`);
      container.append(el("div", { class: `publish ${publish.ok ? "ok" : "failed"}` },
        publish.ok ? "published" : `publish failed: ${publish.message}`,
        el("ul", {}, lines.map((line) => el("li", {}, line)))));
    }
  }

  function problemList(problems, className) {
    if (!problems || !problems.length) return null;
    return el("ul", { class: className || "problems" },
      problems.map((p) => el("li", { class: `problem ${p.severity}` }, p.text)));
  }

  async function fetchJSON(url) {
    const response = await fetch(url, { cache: "no-store" });
    return { ok: response.ok, status: response.status, body: await response.json() };
  }

  // Calls load() now and after every build event; never two loads at once, none lost.
  function live(load) {
    let running = false;
    let again = false;
    async function refresh() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          try {
            await load();
          } catch (error) {
            showConnection(false, `could not load: ${error}`);
          }
        } while (again);
      } finally {
        running = false;
      }
    }
    const events = new EventSource("/events");
    events.addEventListener("build", (event) => {
      const generation = Number(event.data);
      if (String(generation) !== document.body.dataset.generation) refresh();
    });
    events.onopen = () => showConnection(true);
    events.onerror = () => showConnection(false, "preview server unreachable: retrying");
    refresh();
  }

  function showConnection(connected, text) {
    document.body.dataset.connected = connected ? "yes" : "no";
    const node = document.getElementById("connection");
    if (node) node.textContent = connected ? "live" : text || "offline";
  }

  function shown(generation) {
    document.body.dataset.generation = String(generation);
  }

  return { GRID, layouts, el, fill, safeHref, renderBuild, problemList, fetchJSON, live, shown };
})();
