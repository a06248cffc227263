/* Summary widget: the leading candidates of the whole territory as bars,
 * participation and abstention. The progress and freshness are in the
 * header that elections-live keeps up to date.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-summary" data-module-top="5"></div>
 */
this.ckan.module("elections-summary", function ($) {
  "use strict";

  return {
    options: {
      top: 5
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.sandbox.subscribe("elections:results", this._onResults);
    },

    _onResults: function (payload) {
      var self = this;
      var format = payload.format;
      var whole = payload.territory && payload.territory.areas[0];
      if (!whole || !whole.votants) {
        this.el.empty().append($("<p>", {"class": "el-hint", text: this._("No results yet.")}));
        return;
      }
      var top = Math.max(1, Number(this.options.top) || 5);
      var candidates = whole.candidates.slice(0, top);
      var highest = candidates.length ? candidates[0].pct_exprimes || 0 : 0;
      var list = $("<ol>", {"class": "el-bars", "aria-label": this._("Leading candidates")});
      $.each(candidates, function (i, candidate) {
        var colour = payload.colour(candidate);
        var width = highest ? Math.max(0.5, 100 * (candidate.pct_exprimes || 0) / highest) : 0;
        list.append($("<li>", {"class": "el-bar-row"}).append(
          $("<span>", {"class": "el-bar-name"}).append(
            $("<span>", {"class": "el-swatch", "aria-hidden": "true"}).css("background-color", colour),
            $("<span>", {text: candidate.name}),
            candidate.nuance ? $("<small>", {text: " " + candidate.nuance}) : null),
          $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
            $("<span>", {"class": "el-bar-fill"}).css({width: width.toFixed(1) + "%", "background-color": colour})),
          $("<span>", {"class": "el-bar-value"}).append(
            $("<strong>", {text: format.percent(candidate.pct_exprimes)}), " ",
            $("<small>", {text: self.ngettext("%(votes)s vote", "%(votes)s votes", candidate.voix || 0,
                                              {votes: format.number(candidate.voix)})}))));
      });
      var more = whole.candidates.length - candidates.length;
      var figures = $("<dl>", {"class": "el-figures el-figures--inline"}).append(
        $("<div>").append($("<dt>", {text: this._("Participation")}), $("<dd>", {text: format.percent(whole.participation)})),
        $("<div>").append($("<dt>", {text: this._("Abstentions")}), $("<dd>", {text: format.number(whole.abstentions)})),
        $("<div>").append($("<dt>", {text: this._("Valid votes")}), $("<dd>", {text: format.number(whole.exprimes)})));
      this.el.empty().append(
        list,
        more > 0 ? $("<p>", {"class": "el-more", text: this.ngettext("and %(num)s other candidate", "and %(num)s other candidates", more)}) : null,
        figures);
    }
  };
});
