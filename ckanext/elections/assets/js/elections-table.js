/* The table of the areas of the chosen level: the accessible alternative to
 * the map, sortable by each column (buttons in the headers, aria-sort), each
 * area's name a button that selects it.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-table"></div>
 */
this.ckan.module("elections-table", function ($) {
  "use strict";

  return {
    options: {},

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.sort = {key: "name", direction: 1};
      this._build();
      // Below the map: its first drawing is a task of its own, not part of
      // the page's first one (the page waits for it, see elections-live).
      this.el.attr("data-pending", "true");
      this.sandbox.subscribe("elections:results", this._onResults);
      this.el.on("click", "[data-sort]", this._onSort);
      this.el.on("click", "[data-area]", this._onArea);
      this.el.on("click", "[data-role=table-csv]", this._onCsv);
    },

    _columns: function () {
      return [
        {key: "name", label: this._("Area")},
        {key: "counted", label: this._("Counted"), wide: true},
        {key: "participation", label: this.sandbox.elections().count("participation"), number: true},
        {key: "leader", label: this._("Leading")},
        {key: "share", label: this._("Share"), number: true, wide: true}
      ];
    },

    _build: function () {
      var row = $("<tr>");
      $.each(this._columns(), function (i, column) {
        var classes = (column.number ? "is-number" : "") + (column.wide ? " is-wide" : "");
        row.append($("<th>", {scope: "col", "class": classes}).append(
          $("<button>", {type: "button", "data-sort": column.key, text: column.label})));
      });
      this.caption = $("<caption>");
      this.body = $("<tbody>");
      this.el.empty().append($("<div>", {"class": "el-table-wrap"}).append(
        $("<table>", {"class": "el-table"}).append(this.caption, $("<thead>").append(row), this.body)),
        $("<p>", {"class": "el-download"}).append(
          $("<button>", {type: "button", "class": "el-button el-button--small", "data-role": "table-csv",
                         text: this._("Download this table (CSV)")}), " ",
          $("<a>", {"data-role": "csv", href: "#", text: this._("Every figure of this level (CSV)")})));
    },

    _onSort: function (event) {
      var key = $(event.currentTarget).attr("data-sort");
      this.sort = {key: key, direction: this.sort.key === key ? -this.sort.direction : (key === "name" ? 1 : -1)};
      if (this.payload) {
        this._onResults(this.payload);
      }
    },

    _onArea: function (event) {
      var code = $(event.currentTarget).attr("data-area");
      this.sandbox.publish("elections:select", {area: this.payload.state.area === code ? "" : code});
    },

    _value: function (area, key) {
      var first = this.sandbox.elections().leading(area);
      switch (key) {
      case "counted":
        return area.progress && area.progress.total ? area.progress.counted / area.progress.total : (area.counted ? 1 : 0);
      case "participation":
        return area.votants ? area.participation : -1;
      case "leader":
        return first ? String(first.name) : "";
      case "share":
        return first ? first.pct_exprimes : -1;
      default:
        return String(area.name || area.code);
      }
    },

    _onResults: function (payload) {
      var self = this;
      if (this.el.attr("data-pending")) {
        this.payload = payload;
        window.clearTimeout(this.first);
        this.first = window.setTimeout(function () {
          self.el.removeAttr("data-pending");
          self._onResults(self.payload);
          self.sandbox.publish("elections:drawn");
        }, 0);
        return;
      }
      var state = payload.state;
      var render = this.sandbox.elections();
      this.payload = payload;
      var areas = payload.areas ? payload.areas.areas.slice() : [];
      if (state.level === "bureau" && state.canton) {
        areas = $.grep(areas, function (area) { return area.canton === state.canton; });
      }
      var sort = this.sort;
      areas.sort(function (a, b) {
        var x = self._value(a, sort.key);
        var y = self._value(b, sort.key);
        var order = typeof x === "string" ? x.localeCompare(y, undefined, {numeric: true}) : x - y;
        return sort.direction * order || String(a.code).localeCompare(String(b.code));
      });
      this.el.find("th[scope=col]").each(function () {
        var key = $(this).find("button").attr("data-sort");
        if (key === sort.key) {
          this.setAttribute("aria-sort", sort.direction > 0 ? "ascending" : "descending");
        } else {
          this.removeAttribute("aria-sort");
        }
      });
      this.caption.text(this.ngettext("Results of %(num)s area", "Results of %(num)s areas", areas.length));
      var rows = $.map(areas, function (area) {
        var first = render.leading(area);
        var selected = area.code === state.area;
        var leader = $("<td>");
        if (first) {
          leader.append($("<span>", {"class": "el-leader"}).append(
                          $("<span>", {"class": "el-swatch", "aria-hidden": "true"}).css("background-color", render.colour(first)),
                          $("<span>", {"class": "el-leader-name", title: first.name, text: first.name})),
                        $("<small>", {"class": "is-narrow", text: " " + render.percent(first.pct_exprimes)}),
                        render.outcome(area));
        } else {
          leader.text("–");
        }
        return $("<tr>", {"class": selected ? "is-selected" : ""}).append(
          $("<th>", {scope: "row"}).append($("<button>", {
            type: "button", "class": "el-link", "data-area": area.code, "aria-pressed": selected ? "true" : "false",
            text: area.name || area.code
          }), $("<small>", {"class": "is-narrow", text: self._counted(area, render)})),
          $("<td>", {"class": "is-wide", text: self._counted(area, render)}),
          $("<td>", {"class": "is-number", text: area.votants ? render.percent(area.participation) : "–"}),
          leader,
          $("<td>", {"class": "is-number is-wide", text: first ? render.percent(first.pct_exprimes) : "–"}))[0];
      });
      if (!rows.length) {
        rows = [$("<tr>").append($("<td>", {colspan: 5, text: payload.loading ? this._("Loading…") : this._("No results yet.")}))[0]];
      }
      this.body.empty().append(rows);
      this.shown = areas;
    },

    /* What the table shows, in its order. */
    _onCsv: function () {
      var render = this.sandbox.elections();
      var state = this.payload.state;
      var rows = [["code", this._("Area"), this._("Counted"), render.count("participation"), this._("Leading"), this._("Share")]];
      $.each(this.shown || [], function (i, area) {
        var first = render.leading(area);
        var progress = area.progress || {};
        rows.push([area.code, area.name, progress.total ? progress.counted + "/" + progress.total : (area.counted ? 1 : 0),
                   area.votants ? area.participation : "", first ? first.name : "", first ? first.pct_exprimes : ""]);
      });
      this.sandbox.electionsExport.csv(rows, [state.election, state.level, state.canton].filter(Boolean).join("-") + ".csv");
    },

    _counted: function (area, render) {
      var progress = area.progress || {};
      if (progress.total > 1) {
        return render.number(progress.counted) + " / " + render.number(progress.total);
      }
      return area.counted ? this._("Counted") : this._("Awaited");
    }
  };
});
