/* Summary widget: the leading candidates of the whole territory as bars
 * with what the rules decide (or its nuances, where areas have their own
 * candidates), participation and abstention. The progress and freshness
 * are in the header that elections-live keeps up to date.
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
      var render = this.sandbox.elections();
      var whole = payload.territory && payload.territory.areas[0];
      if (!whole || !whole.votants) {
        this.el.empty().append($("<p>", {"class": "el-hint", text: this._("No results yet.")}));
        return;
      }
      var top = Math.max(1, Number(this.options.top) || 5);
      // Where areas have their own candidates, the territory has nuances.
      var entries = whole.nuances || whole.candidates;
      var shown = entries.slice(0, top);
      var more = entries.length - shown.length;
      var list = whole.nuances ? render.nuanceBars(shown, this._("Leading nuances"), whole)
        : render.bars(shown, this._("Leading candidates"), {area: whole});
      var figures = render.figures([
        [render.count("participation"), render.percent(whole.participation)],
        [render.count("abstentions"), render.number(whole.abstentions)],
        [render.count("exprimes"), render.number(whole.exprimes)]], true);
      var outcome = render.outcome(whole);
      this.el.empty().append(
        outcome ? $("<p>", {"class": "el-outcome"}).append(outcome) : null,
        whole.nuances ? render.nuanceNote(payload) : null,
        list,
        more > 0 ? $("<p>", {"class": "el-more", text: whole.nuances
          ? this.ngettext("and %(num)s other nuance", "and %(num)s other nuances", more)
          : this.ngettext("and %(num)s other candidate", "and %(num)s other candidates", more)}) : null,
        figures, render.countedNote(whole));
    }
  };
});
