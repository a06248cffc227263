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
    },

    _onResults: function (payload) {
      var format = payload.format;
      var whole = payload.territory && payload.territory.areas[0];
      if (!whole || !whole.votants) {
        this.el.empty().append($("<p>", {"class": "el-hint", text: this._("No results yet.")}));
        return;
      }
      var figure = $("<p>", {"class": "el-big-figure"}).append(
        $("<strong>", {text: format.percent(whole.participation)}), " ",
        $("<span>", {text: this._("participation")}));
      var detail = $("<dl>", {"class": "el-figures el-figures--inline"}).append(
        $("<div>").append($("<dt>", {text: this._("Voters")}), $("<dd>", {text: format.number(whole.votants)})),
        $("<div>").append($("<dt>", {text: this._("Registered voters")}), $("<dd>", {text: format.number(whole.inscrits)})),
        $("<div>").append($("<dt>", {text: this._("Abstentions")}), $("<dd>", {text: format.number(whole.abstentions)})),
        $("<div>").append($("<dt>", {text: this._("Blank")}), $("<dd>", {text: format.number(whole.blancs)})),
        $("<div>").append($("<dt>", {text: this._("Spoilt")}), $("<dd>", {text: format.number(whole.nuls)})));
      var areas = $.grep(payload.areas ? payload.areas.areas : [], function (area) { return area.votants; });
      areas.sort(function (a, b) { return b.participation - a.participation; });
      var list = $("<ol>", {"class": "el-bars el-bars--plain", "aria-label": this._("Participation by area")});
      $.each(areas, function (i, area) {
        list.append($("<li>", {"class": "el-bar-row"}).append(
          $("<span>", {"class": "el-bar-name", text: area.name || area.code}),
          $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
            $("<span>", {"class": "el-bar-fill el-bar-fill--participation"}).css("width", Number(area.participation || 0).toFixed(1) + "%")),
          $("<span>", {"class": "el-bar-value"}).append($("<strong>", {text: format.percent(area.participation)}))));
      });
      this.el.empty().append(figure, detail, areas.length ? list : null);
    }
  };
});
