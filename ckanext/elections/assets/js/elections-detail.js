/* The figures of the chosen area (votes and shares, participation) as a
 * bar chart, beside those of the whole territory; from a canton, the way
 * down to its polling stations.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-detail" data-module-territory="true"></div>
 *
 * With data-module-territory="false" (the map widget) only the chosen area
 * is shown, with a hint until one is chosen.
 */
this.ckan.module("elections-detail", function ($) {
  "use strict";

  return {
    options: {
      territory: true
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.sandbox.subscribe("elections:results", this._onResults);
      this.el.on("click", "[data-role=drill]", this._onDrill);
      this.el.on("click", "[data-role=close]", this._onClose);
      this.el.on("click", "[data-role=bars-png]", this._onPng);
    },

    _onResults: function (payload) {
      this.payload = payload;
      var state = payload.state;
      var areas = payload.areas ? payload.areas.areas : [];
      var chosen = $.grep(areas, function (area) { return area.code === state.area; })[0];
      if (!chosen && state.canton && payload.canton) {
        chosen = payload.canton.areas[0];
      }
      var parts = [];
      if (chosen) {
        parts.push(this._card(payload, chosen, {closable: Boolean(state.area), drill: this._canDrill(payload, chosen)}));
      } else if (!this.options.territory) {
        parts.push($("<p>", {"class": "el-hint", text: this._("Tap or click an area of the map to see its results.")}));
      }
      var whole = payload.territory && payload.territory.areas[0];
      if (this.options.territory && whole) {
        parts.push(this._card(payload, whole, {territory: true}));
      }
      if (!parts.length) {
        parts.push($("<p>", {"class": "el-hint", text: payload.loading ? this._("Loading…") : this._("No results yet.")}));
      }
      this.el.empty().append(parts);
      this._follow(state.area, Boolean(chosen));
    },

    /* A tap on the map, a row of the table or a search: the figures come
     * into view and take the focus (on a phone they are above the map).
     * Not on the first paint: a link to an area must not steal the focus. */
    _follow: function (area, shown) {
      if (area && !shown && this.payload.loading) {
        return;  // its figures are on their way
      }
      var first = this.area === undefined;
      var changed = area !== this.area;
      var closing = this.closing;
      this.area = area;
      this.closing = false;
      // An area left for another level (a drill-down) leaves the focus to the map.
      if (first || !changed || (!area && !closing) || $(document.documentElement).hasClass("is-screen")) {
        return;
      }
      var title = this.el.find(area && shown ? ".el-card--area .el-card-title" : ".el-card-title").first();
      if (!title.length) {
        return;
      }
      title.attr("tabindex", "-1");
      var box = title.closest(".el-card")[0].getBoundingClientRect();
      if (box.top < 0 || box.top > window.innerHeight - 80) {
        title.closest(".el-card")[0].scrollIntoView({block: "start"});
      }
      title[0].focus({preventScroll: true});
    },

    _canDrill: function (payload, area) {
      return payload.state.level === "canton" && !payload.state.canton &&
        (payload.levels || []).indexOf("bureau") >= 0 && area.code === payload.state.area;
    },

    _onDrill: function (event) {
      var code = $(event.currentTarget).attr("data-code");
      this.sandbox.publish("elections:select", {level: "bureau", canton: code, area: ""});
    },

    _onPng: function (event) {
      var code = $(event.currentTarget).attr("data-code");
      var payload = this.payload;
      var answers = [payload.territory, payload.areas, payload.canton];
      var area = null;
      $.each(answers, function (i, answer) {
        area = area || $.grep(answer ? answer.areas : [], function (a) { return a.code === code; })[0];
      });
      var render = this.sandbox.elections();
      if (area) {
        var entries = area.nuances ? $.map(area.nuances, $.proxy(render.nuance, render)) : area.candidates;
        this.sandbox.electionsExport.barsPng(area.name || area.code, entries, render,
                                             [payload.state.election, area.code].join("-") + ".png");
      }
    },

    _onClose: function () {
      this.closing = true;
      this.sandbox.publish("elections:select", {area: ""});
    },

    _card: function (payload, area, options) {
      var render = this.sandbox.elections();
      var card = $("<section>", {"class": "el-card" + (options.territory ? " el-card--territory" : " el-card--area")});
      var title = options.territory
        ? this._("Whole territory: %(name)s", {name: area.name || area.code})
        : area.name || area.code;
      var heading = $("<div>", {"class": "el-card-head"}).append($("<h2>", {"class": "el-card-title", text: title}));
      if (options.closable) {
        heading.append($("<button>", {type: "button", "class": "el-button el-button--small", "data-role": "close",
                                      text: this._("Close"), "aria-label": this._("Close the panel of %(name)s",
                                                                                  {name: area.name || area.code})}));
      }
      card.append(heading, $("<p>", {"class": "el-card-status"}).append(
        $("<span>", {text: this._counted(area)}), " ", render.outcome(area)));
      if (area.votants) {
        var label = this._("Votes by candidate");
        var previous = payload.territory && payload.territory.previous_election;
        var since = render.since(payload);
        card.append(
          area.nuances
            ? [render.nuanceNote(payload), render.nuanceBars(area.nuances, this._("Votes by nuance"), area)]
            : render.bars(area.candidates, label, {area: area, more: true, since: since}),
          this._figures(area, since), render.countedNote(area),
          $("<p>", {"class": "el-download"}).append($("<button>", {
            type: "button", "class": "el-button el-button--small", "data-role": "bars-png", "data-code": area.code,
            text: this._("Download the bars (PNG)")})));
        if (previous && previous.published && !area.previous && !options.territory) {
          card.append($("<p>", {"class": "el-hint", text: this._("Not in %(election)s: no comparison.",
                                                                   {election: previous.title})}));
        }
      }
      if (options.drill) {
        card.append($("<p>").append($("<button>", {
          type: "button", "class": "el-button el-button--primary", "data-role": "drill", "data-code": area.code,
          text: this._("See the polling stations of %(name)s", {name: area.name || area.code})
        })));
      }
      return card;
    },

    _counted: function (area) {
      var progress = area.progress || {counted: 0, total: 0};
      if (progress.total > 1) {
        return this.sandbox.elections().progress(progress);
      }
      return area.counted ? this._("Counted") : this._("Results awaited");
    },

    _figures: function (area, since) {
      var render = this.sandbox.elections();
      var rows = [[render.count("participation"), render.percent(area.participation)]];
      var previous = area.previous;
      if (since && previous && previous.participation !== null) {
        rows.push([this._("Participation in %(year)s", {year: since}), render.percent(previous.participation)],
                  [this._("Change since %(year)s", {year: since}), render.points(previous.participation_change)]);
      }
      return render.figures(rows.concat($.map(["inscrits", "votants", "abstentions", "blancs", "nuls", "exprimes"],
        function (name) { return [[render.count(name), render.number(area[name])]]; })));
    }
  };
});
