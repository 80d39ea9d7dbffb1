// The classic grid layout: panels at their gridPos on Grafana's 24-column grid. A page may
// hold several grids (a v2 dashboard's rows and tabs each have their own): every grid
// mounted and still on the page is redrawn on resize.
//
// Pixels as react-grid-layout computes them for Grafana (containerPadding 0, margin 8):
//   column width = (width - margin * (columns - 1)) / columns
//   left = round((column width + margin) * x)      top = round((cellHeight + margin) * y)
//   width = round(column width * w + max(0, w - 1) * margin)
//   height = round(cellHeight * h + max(0, h - 1) * margin)
// Expanding a collapsed row follows Grafana's DashboardModel.toggleRow: its panels go
// under it (shifted so the first one starts right below the row) and everything after
// the row moves down. toggleRow moves it by (bottom of the panels - row y), one unit more
// than the panels take, and the grid's vertical compaction closes that gap at once; so
// here it moves by the panels' height, which is what Grafana ends up showing.
"use strict";

(() => {
  const { el, GRID } = Dashgen;
  const expanded = new Set(); // keys of collapsed rows the reader opened; kept across rebuilds
  let grids = []; // { grid, layout } mounted, for redraws on resize and toggles

  function pixels(pos, width) {
    const column = (width - GRID.margin * (GRID.columns - 1)) / GRID.columns;
    return {
      left: Math.round((column + GRID.margin) * pos.x),
      top: Math.round((GRID.cellHeight + GRID.margin) * pos.y),
      width: Math.round(column * pos.w + Math.max(0, pos.w - 1) * GRID.margin),
      height: Math.round(GRID.cellHeight * pos.h + Math.max(0, pos.h - 1) * GRID.margin),
    };
  }

  function place(items) {
    const list = items.map((item) => ({ item, pos: { ...item.gridPos }, inRow: false }));
    list.sort((a, b) => a.pos.y - b.pos.y || a.pos.x - b.pos.x); // Grafana's sortPanelsByGridPos
    for (let i = 0; i < list.length; i++) {
      const { item, pos: row } = list[i];
      if (item.kind !== "row" || !item.collapsed || !expanded.has(item.key)) continue;
      if (!item.children.length) continue;
      const yDiff = item.children[0].gridPos.y - (row.y + row.h);
      let yMax = row.y + row.h;
      const inserted = item.children.map((child) => {
        const pos = { ...child.gridPos, y: child.gridPos.y - yDiff };
        yMax = Math.max(yMax, pos.y + pos.h);
        return { item: child, pos, inRow: true };
      });
      for (let j = i + 1; j < list.length; j++) list[j].pos.y += yMax - (row.y + row.h);
      list.splice(i + 1, 0, ...inserted);
      i += inserted.length;
    }
    return list;
  }

  function badge(text, className) {
    return el("span", { class: `badge ${className || ""}` }, text);
  }

  function repeatBadge(repeat) {
    if (!repeat) return null;
    const details = [repeat.direction, repeat.maxPerRow ? `max ${repeat.maxPerRow} per row` : null]
      .filter(Boolean).join(", ");
    return badge(`repeats for each $${repeat.variable}${details ? ` (${details})` : ""}`, "repeat");
  }

  function movedBadge(item) {
    if (!item.grafana) return null;
    const { x, y } = item.grafana;
    const where = x !== item.gridPos.x ? `x ${x}, y ${y}` : `y ${y}`;
    return badge(`Grafana shows it at ${where}`, "moved");
  }

  const MARKDOWN_TAGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li",
    "strong", "em", "code", "pre", "a", "blockquote", "hr", "span"]);

  function markdown(nodes) {
    return nodes.map((node) => {
      if (typeof node === "string") return document.createTextNode(node);
      const tag = MARKDOWN_TAGS.has(node.t) ? node.t : "span";
      const attributes = tag === "a"
        ? { href: node.href, target: "_blank", rel: "noopener noreferrer" } : {};
      return el(tag, attributes, markdown(node.c || []));
    });
  }

  function textBody(text) {
    if (text.mode === "markdown") return el("div", { class: "text-content markdown" }, markdown(text.nodes));
    return el("div", { class: "text-content" },
      el("div", { class: "muted" }, `${text.mode} content, shown as source`),
      el("pre", { class: "text-source" }, text.source));
  }

  function panelNode(item) {
    const classes = ["panel"];
    if (item.warnings.length) classes.push("has-warning");
    if (item.repeat) classes.push("repeated");
    if (item.transparent) classes.push("transparent");
    return el("div", { class: classes.join(" ") },
      el("div", { class: "panel-head" },
        el("span", { class: "panel-title" }, item.title || "(no title)"),
        el("span", { class: "panel-type" }, item.type || "no type")),
      el("div", { class: "panel-badges" }, repeatBadge(item.repeat),
        item.library ? badge(`library panel: ${item.library}`, "library") : null,
        movedBadge(item)),
      item.warnings.length
        ? el("ul", { class: "panel-warnings" }, item.warnings.map((w) => el("li", {}, w))) : null,
      el("div", { class: "panel-body" },
        item.datasource ? el("div", { class: "datasource" }, el("span", { class: "muted" }, "datasource "), item.datasource) : null,
        item.query ? el("pre", { class: "query" }, item.query) : null,
        item.text ? textBody(item.text) : null));
  }

  function rowNode(item) {
    const classes = ["row-band"];
    if (item.collapsed) classes.push("collapsed");
    if (item.repeat) classes.push("repeated");
    if (item.warnings.length) classes.push("has-warning");
    const open = expanded.has(item.key);
    const hidden = item.collapsed && !open && item.children.length
      ? el("ul", { class: "hidden-panels" },
        item.children.map((c) => el("li", {}, `${c.title || "(no title)"} (${c.type || "no type"})`)))
      : null;
    const toggle = item.collapsed && item.children.length
      ? el("button", { class: "row-toggle", type: "button", "aria-expanded": open ? "true" : "false",
        onclick: () => {
          if (open) expanded.delete(item.key);
          else expanded.add(item.key);
          drawAll();
        } }, open ? "▾" : "▸")
      : el("span", { class: "row-toggle static" }, item.collapsed ? "▸" : "▾");
    const state = item.collapsed
      ? `collapsed, ${item.children.length} panel${item.children.length === 1 ? "" : "s"}${open ? " (opened here)" : ""}`
      : null;
    return el("div", { class: classes.join(" ") },
      toggle,
      el("span", { class: "row-title" }, item.title || "(row without title)"),
      state ? el("span", { class: "row-state muted" }, state) : null,
      repeatBadge(item.repeat), movedBadge(item), hidden,
      item.warnings.length ? el("span", { class: "row-warnings" }, item.warnings.join("; ")) : null);
  }

  // A layout item whose element does not exist (v2): an error box in its place.
  function missingNode(item) {
    return el("div", { class: "panel missing-element has-warning" },
      el("div", { class: "panel-head" },
        el("span", { class: "panel-title" }, item.title || "(no element)"),
        el("span", { class: "panel-type" }, "missing element")),
      el("div", { class: "panel-error" }, item.error));
  }

  function itemNode(item) {
    if (item.kind === "row") return rowNode(item);
    return item.kind === "missing" ? missingNode(item) : panelNode(item);
  }

  function draw({ grid, layout }) {
    if (!layout.items.length) return;
    Dashgen.fill(grid);
    const width = grid.clientWidth;
    let bottom = 0;
    for (const { item, pos, inRow } of place(layout.items)) {
      const box = pixels(pos, width);
      const node = itemNode(item);
      node.classList.add("grid-item");
      if (inRow) node.classList.add("in-row");
      Object.assign(node.dataset, {
        key: item.key, kind: item.kind, x: pos.x, y: pos.y, w: pos.w, h: pos.h,
      });
      Object.assign(node.style, {
        left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px`,
      });
      grid.append(node);
      bottom = Math.max(bottom, box.top + box.height);
    }
    grid.style.height = `${bottom}px`;
  }

  // Every mounted grid still on the page, drawn at its current width.
  function drawAll() {
    grids = grids.filter(({ grid }) => grid.isConnected);
    grids.forEach(draw);
  }

  // A grid element for layout, drawn by the next drawAll() once it is on the page.
  function mount(layout, attributes, empty) {
    const grid = el("div", { class: "grid", ...attributes });
    if (!layout.items.length) grid.append(el("p", { class: "muted" }, empty));
    grids.push({ grid, layout });
    return grid;
  }

  function render(container, layout) {
    const notes = (layout.notes || []).map((note) => el("p", { class: "layout-note" }, note));
    grids = [];
    Dashgen.fill(container, ...notes, mount(layout, { id: "grid" }, "This dashboard has no panels."));
    drawAll();
  }

  window.addEventListener("resize", drawAll);
  Dashgen.layouts.grid = { render, pixels, mount, drawAll, itemNode, reset: () => { grids = []; } };
})();
