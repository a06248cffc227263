/* Seats, where the rules of the election share them between lists (outcome
 * "seats": municipales, régionales, européennes): a half circle of seats
 * beside the table that says the same (the drawing is hidden from assistive
 * technologies: the table is the source of truth). Municipales get the
 * council's seats and the community council's.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <section data-module="elections-seats" data-screen="seats" hidden></section>
 *
 * The element stays hidden while the election shown has no seats to share.
 */
this.ckan.module("elections-seats", function ($) {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  function svg(name, attributes) {
    var element = document.createElementNS(SVG, name);
    $.each(attributes || {}, function (key, value) { element.setAttribute(key, value); });
    return element;
  }

  /* The seats of a half circle, left to right: rows from the inside out,
   * as many seats per row as its length allows. */
  function places(total) {
    var rows = Math.max(1, Math.ceil(Math.sqrt(total / 3.5)));
    var inner = rows > 1 ? 0.4 : 0.75;
    var radii = [];
    for (var i = 0; i < rows; i += 1) {
      radii.push(rows > 1 ? inner + (1 - inner) * i / (rows - 1) : inner);
    }
    var length = radii.reduce(function (sum, r) { return sum + r; }, 0);
    var counts = radii.map(function (r) { return Math.floor(total * r / length); });
    for (var left = total - counts.reduce(function (a, b) { return a + b; }, 0), row = rows - 1; left > 0; left -= 1) {
      counts[row] += 1;
      row = row > 0 ? row - 1 : rows - 1;
    }
    var seats = [];
    radii.forEach(function (r, index) {
      var n = counts[index];
      for (var j = 0; j < n; j += 1) {
        seats.push({r: r, angle: n > 1 ? Math.PI * (1 - j / (n - 1)) : Math.PI / 2});
      }
    });
    seats.sort(function (a, b) { return b.angle - a.angle || a.r - b.r; });
    var gap = rows > 1 ? (1 - inner) / (rows - 1) : 0.25;
    var outer = counts[rows - 1] > 1 ? Math.PI / (counts[rows - 1] - 1) : 1;
    return {seats: seats, dot: 0.42 * Math.min(gap, outer)};
  }

  return {
    options: {},

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.sandbox.subscribe("elections:results", this._onResults);
    },

    _onResults: function (payload) {
      var whole = payload.territory && payload.territory.areas && payload.territory.areas[0];
      var shown = Boolean(whole && whole.outcome === "seats");
      this.el.prop("hidden", !shown).toggleClass("is-empty", !shown);
      if (!shown) {
        this.el.empty();
        return;
      }
      var key = JSON.stringify([payload.state.election, whole.final, whole.counted, $.map(whole.candidates, function (c) {
        return [c.id, c.seats, c.community_seats];
      })]);
      if (key === this.key) {
        return;
      }
      this.key = key;
      var render = this.sandbox.elections();
      var p = render.phase(whole);
      var parts = [$("<h2>", {"class": "el-section-title", text: this._("Seats")}),
                   $("<p>", {"class": "el-card-status"}).append(render.outcome(whole))];
      parts.push(this._chart(whole.candidates, "seats", this._("Council seats")));
      if ($.grep(whole.candidates, function (c) { return c.community_seats; }).length) {
        parts.push(this._chart(whole.candidates, "community_seats", this._("Community council seats")));
      }
      if (p !== "final") {
        parts.push($("<p>", {"class": "el-hint", text: p === "provisional"
          ? this._("Provisional allocation: the results are not final yet.")
          : this._("Allocation of the votes counted so far: it will change as the count goes on.")}));
      }
      this.el.empty().append(parts);
    },

    /* The half circle and its table, for one council. */
    _chart: function (candidates, field, title) {
      var render = this.sandbox.elections();
      var holding = $.grep(candidates, function (c) { return c[field]; });
      var total = holding.reduce(function (sum, c) { return sum + c[field]; }, 0);
      var layout = places(total);
      var drawing = svg("svg", {viewBox: "-1.08 -1.08 2.16 1.16", "class": "el-hemicycle", "aria-hidden": "true",
                                focusable: "false"});
      var index = 0;
      $.each(holding, function (i, candidate) {
        var group = svg("g", {fill: render.colour(candidate)});
        for (var n = 0; n < candidate[field]; n += 1, index += 1) {
          var seat = layout.seats[index];
          group.appendChild(svg("circle", {cx: (seat.r * Math.cos(seat.angle)).toFixed(4),
                                          cy: (-seat.r * Math.sin(seat.angle)).toFixed(4), r: layout.dot.toFixed(4)}));
        }
        drawing.appendChild(group);
      });
      var majority = Math.floor(total / 2) + 1;
      var body = $("<tbody>").append($.map(candidates, function (candidate) {
        return $("<tr>").append(
          $("<th>", {scope: "row"}).append(
            $("<span>", {"class": "el-swatch", "aria-hidden": "true"}).css("background-color", render.colour(candidate)),
            $("<span>", {text: render.candidateLabel(candidate)})),
          $("<td>", {"class": "is-number", text: render.number(candidate[field] || 0)}),
          $("<td>", {"class": "is-number", text: render.percent(candidate.pct_exprimes)}))[0];
      }));
      var table = $("<table>", {"class": "el-table el-seats-table"}).append(
        $("<caption>", {text: this.ngettext("%(title)s: %(num)s seat, majority %(majority)s",
                                            "%(title)s: %(num)s seats, majority %(majority)s", total,
                                            {title: title, majority: render.number(majority)})}),
        $("<thead>").append($("<tr>").append(
          $("<th>", {scope: "col", text: this._("List")}),
          $("<th>", {scope: "col", "class": "is-number", text: this._("Seats")}),
          $("<th>", {scope: "col", "class": "is-number", text: this._("Share of votes cast")}))),
        body);
      return $("<div>", {"class": "el-seats"}).append(
        $("<div>", {"class": "el-hemicycle-box"}).append(drawing,
          $("<p>", {"class": "el-hemicycle-total", "aria-hidden": "true"}).append(
            $("<strong>", {text: render.number(total)}), " ",
            $("<span>", {text: this.ngettext("seat", "seats", total)}))),
        $("<div>", {"class": "el-table-wrap"}).append(table));
    }
  };
});
