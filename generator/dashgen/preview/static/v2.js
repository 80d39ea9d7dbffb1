// A schema v2 layout (preview/v2.py): GridLayout on the classic 24-column grid (grid.js),
// RowsLayout as row headers over their nested layouts, TabsLayout as a tab strip over the
// chosen tab's layout, AutoGridLayout as Grafana's auto grid.
//
// The auto grid uses the CSS of Grafana's AutoGridLayoutManager: columns
//   repeat(auto-fit, minmax(min(max(100% / maxColumnCount - 8px, columnWidth), 100%), 1fr))
// rows minmax(rowHeight, rowHeight) (auto when fillScreen), 8 px apart both ways.
"use strict";

(() => {
  const { el, GRID } = Dashgen;
  const opened = new Set(); // keys of collapsed rows the reader opened; kept across rebuilds
  const chosen = new Map(); // tabs layout key -> index of the tab shown; kept across rebuilds
  let current = null; // { container, layout } drawn last, redrawn when a row or tab changes

  function badge(text, className) {
    return el("span", { class: `badge ${className || ""}` }, text);
  }

  function repeatBadge(repeat) {
    return repeat ? badge(`repeats for each $${repeat.variable}`, "repeat") : null;
  }

  function node(layout) {
    if (layout.kind === "grid") {
      return Dashgen.layouts.grid.mount(layout,
        { dataset: { layout: "grid", key: layout.key } }, "This layout has no panels.");
    }
    if (layout.kind === "rows") return rows(layout);
    if (layout.kind === "tabs") return tabs(layout);
    if (layout.kind === "autogrid") return autoGrid(layout);
    return el("div", { class: "layout-unknown has-warning", dataset: { layout: "unknown", key: layout.key } },
      `${layout.layoutKind}: ${layout.message}`);
  }

  function rowHeader(row, open) {
    const count = row.panels.length;
    const toggle = row.collapsed
      ? el("button", { class: "row-toggle", type: "button", "aria-expanded": open ? "true" : "false",
        onclick: () => {
          if (open) opened.delete(row.key);
          else opened.add(row.key);
          redraw();
        } }, open ? "▾" : "▸")
      : el("span", { class: "row-toggle static" }, "▾");
    const state = row.collapsed
      ? `collapsed, ${count} panel${count === 1 ? "" : "s"}${open ? " (opened here)" : ""}` : null;
    return el("div", { class: `row-band v2-row-header${row.collapsed ? " collapsed" : ""}` },
      toggle,
      el("span", { class: "row-title" }, row.title || "(row without title)"),
      state ? el("span", { class: "row-state muted" }, state) : null,
      repeatBadge(row.repeat),
      row.collapsed && !open && count
        ? el("ul", { class: "hidden-panels" }, row.panels.map((name) => el("li", {}, name))) : null);
  }

  function rows(layout) {
    return el("div", { class: "rows-layout", dataset: { layout: "rows", key: layout.key } },
      layout.rows.map((row) => {
        const open = !row.collapsed || opened.has(row.key);
        return el("section", {
          class: `v2-row${row.collapsed ? " collapsed" : ""}`,
          dataset: { key: row.key, collapsed: row.collapsed ? "yes" : "no" },
        },
        row.hideHeader ? null : rowHeader(row, open),
        open ? el("div", { class: "v2-row-content" }, node(row.layout)) : null);
      }),
      layout.rows.length ? null : el("p", { class: "muted" }, "This rows layout has no rows."));
  }

  function tabs(layout) {
    if (!layout.tabs.length) {
      return el("div", { class: "tabs-layout", dataset: { layout: "tabs", key: layout.key } },
        el("p", { class: "muted" }, "This tabs layout has no tabs."));
    }
    const shown = Math.min(chosen.get(layout.key) || 0, layout.tabs.length - 1);
    const strip = el("div", { class: "tab-strip", role: "tablist" },
      layout.tabs.map((tab, index) => el("button", {
        type: "button",
        role: "tab",
        class: index === shown ? "tab active" : "tab",
        "aria-selected": index === shown ? "true" : "false",
        dataset: { key: tab.key },
        onclick: () => {
          chosen.set(layout.key, index);
          redraw();
        },
      }, tab.title || "(tab without title)", repeatBadge(tab.repeat))));
    const tab = layout.tabs[shown];
    return el("div", { class: "tabs-layout", dataset: { layout: "tabs", key: layout.key } },
      strip, el("div", { class: "tab-content", role: "tabpanel", dataset: { key: tab.key } }, node(tab.layout)));
  }

  function autoGrid(layout) {
    const label = [`Auto grid: up to ${layout.maxColumnCount} columns`,
      `${layout.columnWidthMode} column width (${layout.columnWidth} px)`,
      `${layout.rowHeightMode} row height (${layout.rowHeight} px)`,
      layout.fillScreen ? "fills the screen" : null].filter(Boolean).join(", ");
    const cells = el("div", { class: "auto-grid-cells" }, layout.items.map((item) => {
      const cell = Dashgen.layouts.grid.itemNode(item);
      cell.classList.add("auto-grid-item");
      Object.assign(cell.dataset, { key: item.key, kind: item.kind, element: item.element || "" });
      return cell;
    }));
    Object.assign(cells.style, {
      gridTemplateColumns: `repeat(auto-fit, minmax(min(max(100% / ${layout.maxColumnCount} - ` +
        `${GRID.margin}px, ${layout.columnWidth}px), 100%), 1fr))`,
      gridAutoRows: `minmax(${layout.rowHeight}px, ${layout.fillScreen ? "auto" : `${layout.rowHeight}px`})`,
      gap: `${GRID.margin}px`,
    });
    return el("div", { class: "auto-grid", dataset: { layout: "autogrid", key: layout.key } },
      el("div", { class: "auto-grid-label muted" }, label),
      layout.items.length ? cells : el("p", { class: "muted" }, "This auto grid has no panels."));
  }

  function render(container, layout) {
    current = { container, layout };
    Dashgen.layouts.grid.reset();
    const notes = (layout.notes || []).map((note) => el("p", { class: "layout-note" }, note));
    Dashgen.fill(container,
      el("p", { class: "layout-schema muted" }, `schema ${layout.schema} layout`),
      ...notes, el("div", { class: "v2-layout", id: "v2" }, node(layout.root)));
    Dashgen.layouts.grid.drawAll(); // now that the grids are on the page and have a width
  }

  function redraw() {
    if (current) render(current.container, current.layout);
  }

  Dashgen.layouts.v2 = { render };
})();
