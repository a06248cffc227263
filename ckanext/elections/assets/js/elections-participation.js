/* Participation widget: the participation of the whole territory in large
 * type, then of each area of the chosen level, highest first.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-participation"></div>
 */
this.ckan.module("elections-participation", function ($) {
  "use strict";

  return {
    options: {},

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.sandbox.subscribe("elections:results", this._onResults);
      this.sandbox.subscribe("elections:resize", this._onResize);
    },

    /* A screen of the big screen: drawn when shown. */
    _onResize: function () {
      if (this.waiting) {
        this._onResults(this.waiting);
      }
    },

    _onResults: function (payload) {
      this.waiting = null;
      if (this.el.closest("[hidden]:not(.is-current)").length) {
        this.waiting = payload;
        return;
      }
      var render = this.sandbox.elections();
      var whole = payload.territory && payload.territory.areas[0];
      if (!whole || !whole.votants) {
        this.el.empty().append($("<p>", {"class": "el-hint", text: this._("No results yet.")}));
        return;
      }
      var figure = $("<p>", {"class": "el-big-figure"}).append(
        $("<strong>", {text: render.percent(whole.participation)}), " ",
        $("<span>", {text: render.count("participation").toLowerCase()}));
      var detail = render.figures($.map(["votants", "inscrits", "abstentions", "blancs", "nuls"], function (name) {
        return [[render.count(name), render.number(whole[name])]];
      }), true);
      var areas = $.grep(payload.areas ? payload.areas.areas : [], function (area) { return area.votants; });
      areas.sort(function (a, b) { return b.participation - a.participation; });
      var list = $("<ol>", {"class": "el-bars el-bars--plain", "aria-label": this._("Participation by area")});
      $.each(areas, function (i, area) {
        list.append($("<li>", {"class": "el-bar-row"}).append(
          $("<span>", {"class": "el-bar-name", text: area.name || area.code}),
          $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
            $("<span>", {"class": "el-bar-fill el-bar-fill--participation"}).css("width", Number(area.participation || 0).toFixed(1) + "%")),
          $("<span>", {"class": "el-bar-value"}).append($("<strong>", {text: render.percent(area.participation)}))));
      });
      this.el.empty().append(figure, render.countedNote(whole), detail, areas.length ? list : null);
    }
  };
});
