/* What the rules of an election decide, in words and bars, for every module
 * of the views; added to the page's Render (elections-render.js):
 *
 *   var render = this.sandbox.elections();
 *   render.bars(area.candidates, label, {area: area, more: true, since: "2021"});
 *   render.nuanceBars(area.nuances, label, area);  // above the constituencies of départementales
 *   render.nuanceNote(payload);  // why nuances there
 *   render.outcome(area);       // <span class="el-tag">Ballottage à ce stade</span>, or null
 *   render.leading(area);       // who leads: a candidate, or a nuance
 *   render.countedNote(area);   // "Totaux sur 12 bureaux dépouillés (sur 20)…", or null
 *   render.since(payload);      // "2021": the year of the previous election, or null
 *   render.figures([[label, text], …]);
 *
 * Nothing is called elected before the results are final: until then the
 * words say "provisional results" (every polling station counted) or "so
 * far" (the count goes on).
 */
(function (ckan, $) {
  "use strict";

  function _(text, values) {
    return ckan.i18n._(text, values);
  }

  function ngettext(one, other, count, values) {
    return ckan.i18n.ngettext(one, other, count, values);
  }

  /* "final", "provisional" (every polling station counted, not declared
   * final yet) or "partial" (the count goes on). */
  function phase(area) {
    var progress = (area && area.progress) || {};
    if (area && area.final) {
      return "final";
    }
    return area && (area.counted || (progress.total && progress.counted === progress.total)) ? "provisional" : "partial";
  }

  /* The words of each decision, by phase: whole messages, for translators. */
  var WORDS = {
    elected: function (p) {
      return p === "final" ? _("Elected") : p === "provisional" ? _("Elected (provisional results)")
        : _("Ahead, elected if confirmed");
    },
    qualified: function (p) {
      return p === "final" ? _("Qualified for the second round") : p === "provisional"
        ? _("Qualified (provisional results)") : _("Qualified so far");
    },
    merge: function (p) {
      return p === "final" ? _("May merge") : p === "provisional" ? _("May merge (provisional results)")
        : _("May merge so far");
    },
    runoff: function (p) {
      return p === "final" ? _("Runoff") : p === "provisional" ? _("Runoff (provisional results)") : _("Runoff so far");
    },
    seats: function (p) {
      return p === "final" ? _("Seats allocated") : p === "provisional" ? _("Seats allocated (provisional results)")
        : _("Seats so far");
    },
    counting: function () {
      return _("Count in progress");
    }
  };

  function seatWords(seats, p) {
    var values = {num: seats};
    return p === "final" ? ngettext("%(num)s seat", "%(num)s seats", seats, values)
      : p === "provisional" ? ngettext("%(num)s seat (provisional results)", "%(num)s seats (provisional results)",
                                       seats, values)
        : ngettext("%(num)s seat so far", "%(num)s seats so far", seats, values);
  }

  function tag(kind, text, p) {
    return $("<span>", {"class": "el-tag el-tag--" + kind + (p === "partial" ? " is-so-far" : ""), text: text});
  }

  ckan.sandbox.Sandbox.prototype.elections.extend({
    phase: phase,

    /* The year of the previous election (or its title), where it is public
     * and published at this level: what comparisons are "since". */
    since: function (payload) {
      var previous = payload.territory && payload.territory.previous_election;
      return previous && previous.published ? String(previous.polling_date || "").slice(0, 4) || previous.title : null;
    },

    /* The badge of a candidate where the rules decide (area.decides). */
    badge: function (candidate, area) {
      var p = phase(area);
      if (!area || !area.decides) {
        return null;
      }
      if (candidate.seats) {
        return tag("elected", seatWords(candidate.seats, p), p);
      }
      if (candidate.elected && candidate.seats !== 0) {
        return tag("elected", WORDS.elected(p), p);
      }
      if (candidate.qualified) {
        return tag("qualified", WORDS.qualified(p), p);
      }
      if (candidate.may_merge) {
        return tag("merge", WORDS.merge(p), p);
      }
      return null;
    },

    /* What the rules decide for an area: elected, runoff, seats or not yet. */
    outcome: function (area) {
      if (!area || !area.decides || !WORDS[area.outcome]) {
        return null;
      }
      var p = phase(area);
      return tag(area.outcome === "counting" ? "counting" : area.outcome, WORDS[area.outcome](p), p);
    },

    /* Who leads an area: its first candidate, or above the constituencies of
     * an election whose areas have their own candidates, its first nuance
     * (candidates of different areas are never ranked together). */
    leading: function (area) {
      if (!area) {
        return null;
      }
      if (area.nuances) {
        var first = area.nuances[0];
        return first && first.voix ? this.nuance(first) : null;
      }
      return area.leader && area.candidates && area.candidates.length ? area.candidates[0] : null;
    },

    /* A nuance as a candidate-like entry: name, colour, share. */
    nuance: function (entry) {
      return {id: "nuance:" + entry.nuance, name: entry.nuance || _("No nuance"), nuance: null,
              color: entry.color, voix: entry.voix, pct_exprimes: entry.pct_exprimes, isNuance: true};
    },

    /* "Totals over the 12 polling stations counted (of 20)": where an
     * area's totals are those of its counted polling stations only. */
    countedNote: function (area) {
      if (!area || !area.counted_only) {
        return null;
      }
      var progress = area.progress || {};
      var values = {counted: this.number(progress.counted), total: this.number(progress.total),
                    expected: this.number(area.expected_inscrits)};
      var text = area.expected_inscrits
        ? ngettext("Totals over %(counted)s polling station counted (of %(total)s); %(expected)s registered voters in all.",
                   "Totals over %(counted)s polling stations counted (of %(total)s); %(expected)s registered voters in all.",
                   progress.counted || 0, values)
        : ngettext("Totals over %(counted)s polling station counted (of %(total)s).",
                   "Totals over %(counted)s polling stations counted (of %(total)s).", progress.counted || 0, values);
      return $("<p>", {"class": "el-partial", text: text});
    },

    /* Bars of candidates (sorted by votes): name, nuance and badge, share as
     * a bar scaled to the first one, share and votes. Options: ``area`` (the
     * area they stand in, for the badges and the comparison), ``more`` (the
     * share of inscrits and the change since ``since``, a year). */
    bars: function (candidates, label, options) {
      var self = this;
      options = options || {};
      var area = options.area;
      var changes = {};
      $.each((area && area.previous && area.previous.shares) || [], function (i, share) {
        changes[share.key] = share;
      });
      var top = candidates.length ? candidates[0].pct_exprimes || 0 : 0;
      var list = $("<ol>", {"class": "el-bars", "aria-label": label});
      $.each(candidates, function (i, candidate) {
        var colour = self.colour(candidate);
        var width = top ? Math.max(0.5, 100 * (candidate.pct_exprimes || 0) / top) : 0;
        var more = [];
        if (options.more && candidate.pct_inscrits !== null && candidate.pct_inscrits !== undefined) {
          more.push(_("%(share)s of registered voters", {share: self.percent(candidate.pct_inscrits)}));
        }
        var change = changes[candidate.id];
        if (options.more && options.since && change && change.change !== null && change.change !== undefined) {
          more.push(_("%(points)s since %(year)s", {points: self.points(change.change), year: options.since}));
        }
        list.append($("<li>", {"class": "el-bar-row"}).append(
          $("<span>", {"class": "el-bar-name"}).append(
            $("<span>", {"class": "el-swatch", "aria-hidden": "true"}).css("background-color", colour),
            $("<span>", {text: candidate.name}),
            candidate.nuance ? $("<small>", {text: " " + candidate.nuance}) : null,
            self.badge(candidate, area), candidate.tie ? tag("tie", _("Tied"), phase(area)) : null),
          $("<span>", {"class": "el-bar-track", "aria-hidden": "true"}).append(
            $("<span>", {"class": "el-bar-fill"}).css({width: width.toFixed(1) + "%", "background-color": colour})),
          $("<span>", {"class": "el-bar-value"}).append(
            $("<strong>", {text: self.percent(candidate.pct_exprimes)}), " ",
            $("<small>", {text: ngettext("%(votes)s vote", "%(votes)s votes", candidate.voix || 0,
                                         {votes: self.number(candidate.voix)})})),
          more.length ? $("<small>", {"class": "el-bar-more", text: more.join(" · ")}) : null));
      });
      return list;
    },

    /* Bars of nuances, where areas have their own candidates: each with the
     * constituencies it leads and wins. */
    nuanceBars: function (nuances, label, area) {
      var self = this;
      var final = phase(area) === "final";
      var list = this.bars($.map(nuances, function (entry) { return self.nuance(entry); }), label);
      list.children().each(function (i) {
        var entry = nuances[i];
        if (entry.areas) {
          var values = {leading: self.number(entry.leading), areas: self.number(entry.areas),
                        won: self.number(entry.won)};
          $(this).append($("<small>", {"class": "el-bar-more", text: final
            ? _("Ahead in %(leading)s of %(areas)s; elected: %(won)s", values)
            : _("Ahead in %(leading)s of %(areas)s; elected so far: %(won)s", values)}));
        }
      });
      return list;
    },

    /* Above the constituencies of an election whose areas have their own
     * candidates: why nuances, not candidates. */
    nuanceNote: function (payload) {
      var level = (payload.territory && payload.territory.decision_level) || "canton";
      return $("<p>", {"class": "el-hint el-nuance-note", text: _(
        "Each %(level)s has its own candidates: votes by political group (nuance).",
        {level: this.level(level, 1).toLowerCase()})});
    },

    /* A definition list of counts: [[label, text], …]. */
    figures: function (rows, inline) {
      var list = $("<dl>", {"class": "el-figures" + (inline ? " el-figures--inline" : "")});
      $.each(rows, function (i, row) {
        list.append($("<div>").append($("<dt>", {text: row[0]}), $("<dd>", {text: row[1]})));
      });
      return list;
    }
  });
})(this.ckan, this.jQuery);
