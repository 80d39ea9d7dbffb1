// The index: every dashboard of the current (or last good) build.
"use strict";

(() => {
  const { el } = Dashgen;

  function tagList(tags) {
    return el("span", { class: "tags" }, tags.map((tag) => el("span", { class: "tag" }, tag)));
  }

  function row(d) {
    return el("tr", { dataset: { org: d.org, uid: d.uid } },
      el("td", { class: "title" }, el("a", { href: d.page }, d.title || d.uid),
        el("div", { class: "source muted" }, d.source,
          d.schema && d.schema !== "v1" ? el("span", { class: "schema" }, ` · schema ${d.schema}`) : null)),
      el("td", { class: "uid" }, el("code", {}, d.uid)),
      el("td", { class: "org" }, d.org),
      el("td", { class: "folder" }, d.folder || "General"),
      el("td", {}, tagList(d.tags)),
      el("td", { class: "panel-count" }, d.panels === null ? "?" : String(d.panels)),
      el("td", { class: "warnings" }, Dashgen.problemList(d.warnings, "warning-list")));
  }

  function render(data) {
    Dashgen.renderBuild(document.getElementById("build"), data.build);
    const target = document.getElementById("dashboards");
    if (!data.dashboards.length) {
      Dashgen.fill(target, el("p", { class: "muted empty" },
        "No dashboard is built yet: add a source under dashboards/ and save it."));
    } else {
      Dashgen.fill(target, el("table", { class: "index" },
        el("thead", {}, el("tr", {},
          ["Title", "UID", "Org", "Folder", "Tags", "Panels", "Warnings"].map((h) => el("th", {}, h)))),
        el("tbody", {}, data.dashboards.map(row))));
    }
    const other = document.getElementById("other-warnings");
    Dashgen.fill(other, data.warnings.length
      ? el("section", {}, el("h2", {}, "Other warnings"), Dashgen.problemList(data.warnings, "warning-list"))
      : "");
    Dashgen.shown(data.build.generation);
  }

  Dashgen.live(async () => {
    const { body } = await Dashgen.fetchJSON("/api/index");
    render(body);
  });
})();
