/* Colours of the election map and their legend: by leading candidate (or
 * nuance, above the constituencies of an election whose areas have their
 * own candidates), participation, one candidate's share, or compared with
 * the previous election (points of participation, change of leader).
 *
 *   var scales = this.sandbox.electionsMapScale;
 *   var scale = scales.scale(payload, render);
 *   scale.colour(area);   // "#1d4ed8", or why it has none: "awaited", "absent" (the
 *                         // candidate does not stand there), "unmatched" (no comparison)
 *   scales.legend(scale, drawnAreas, render);   // [<p title>, <ul>]
 */
(function (ckan, $) {
  "use strict";

  var PARTICIPATION = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  // Diverging, fewer voters to more (ColorBrewer's PuOr, colour-blind safe).
  var CHANGE = ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"];
  var UNCHANGED = "#c4cad0";
  var CLASSES = 5;

  function _(text, values) {
    return ckan.i18n._(text, values);
  }

  function ngettext(one, other, count, values) {
    return ckan.i18n.ngettext(one, other, count, values);
  }

  /* ``colour`` mixed with white: t = 0 white, 1 the colour itself. */
  function mix(colour, t) {
    var channels = [1, 3, 5].map(function (i) { return parseInt(colour.slice(i, i + 2), 16); });
    return "#" + channels.map(function (c) {
      var value = Math.round(255 + (c - 255) * t).toString(16);
      return value.length < 2 ? "0" + value : value;
    }).join("");
  }

  /* The candidates one may colour the map by: the territory's, or where
   * areas have candidates of their own, those of the areas shown. */
  function candidates(payload) {
    var whole = payload.territory && payload.territory.areas && payload.territory.areas[0];
    if (whole && whole.candidates && whole.candidates.length) {
      return whole.candidates;
    }
    var seen = {};
    var found = [];
    $.each((payload.areas && payload.areas.areas) || [], function (i, area) {
      $.each(area.candidates || [], function (j, candidate) {
        if (!seen[candidate.id]) {
          seen[candidate.id] = true;
          found.push(candidate);
        }
      });
    });
    return found;
  }

  /* Whether a candidate stands in an area (a canton, or one of its bureaux). */
  function standsIn(candidate, area) {
    return !candidate.area || candidate.area === area.code || candidate.area === area.canton ||
      $.grep(area.candidates || [], function (c) { return String(c.id) === String(candidate.id); }).length > 0;
  }

  /* Five classes of equal width between rounded bounds of the values;
   * ``centred``: symmetric around zero. */
  function classes(values, palette, value, centred) {
    var low = values.length ? Math.floor(Math.min.apply(null, values)) : 0;
    var high = values.length ? Math.ceil(Math.max.apply(null, values)) : 100;
    if (centred) {
      high = Math.max(1, Math.abs(low), Math.abs(high));
      low = -high;
    } else if (high - low < CLASSES) {
      high = Math.min(100, low + CLASSES);
      low = high - CLASSES;
    }
    var step = (high - low) / CLASSES;
    var bins = [];
    for (var i = 0; i < CLASSES; i += 1) {
      bins.push({colour: palette[i], from: low + i * step, to: low + (i + 1) * step});
    }
    return {
      mode: "classes",
      bins: bins,
      colour: function (area) {
        var v = value(area);
        if (typeof v === "string") {
          return v;
        }
        return palette[Math.max(0, Math.min(CLASSES - 1, Math.floor((v - low) / step)))];
      }
    };
  }

  function scale(payload, render) {
    var areas = (payload.areas && payload.areas.areas) || [];
    var mode = payload.state.mode;
    var since = render.since(payload);
    var leader = function (area) {
      var first = area && area.votants ? render.leading(area) : null;
      return first ? render.colour(first) : "awaited";
    };
    if (mode === "participation") {
      return $.extend(classes($.map(areas, function (a) { return a.votants ? a.participation : null; }), PARTICIPATION,
        function (area) { return area && area.votants ? area.participation : "awaited"; }),
      {title: render.count("participation"), format: $.proxy(render.percent, render)});
    }
    if (mode === "participation_change" && since) {
      var change = function (area) {
        if (!area || !area.votants) {
          return "awaited";
        }
        return area.previous && area.previous.participation_change !== null ? area.previous.participation_change
          : "unmatched";
      };
      return $.extend(classes($.map(areas, function (a) { return typeof change(a) === "number" ? change(a) : null; }),
                              CHANGE, change, true),
      {title: _("Participation compared with %(year)s (points)", {year: since}), format: $.proxy(render.points, render)});
    }
    if (mode === "leader_change" && since) {
      return {mode: "leader_change", since: since, title: _("Change of leader since %(year)s", {year: since}),
              colour: function (area) {
                var fill = leader(area);
                if (fill === "awaited" || !area.previous || area.previous.leader_changed === null) {
                  return fill === "awaited" ? fill : "unmatched";
                }
                return area.previous.leader_changed ? fill : UNCHANGED;
              }};
    }
    if (mode === "candidate") {
      var wanted = String(payload.state.candidate || "");
      var list = candidates(payload);
      var candidate = $.grep(list, function (c) { return String(c.id) === wanted; })[0] || list[0];
      if (candidate) {
        var share = function (area) {
          if (!area || !standsIn(candidate, area)) {
            return area ? "absent" : "awaited";
          }
          var found = $.grep(area.candidates || [], function (c) { return String(c.id) === String(candidate.id); })[0];
          return found && area.exprimes ? found.pct_exprimes : "awaited";
        };
        var ramp = $.map([0.2, 0.4, 0.6, 0.8, 1], function (t) { return mix(render.colour(candidate), t); });
        return $.extend(classes($.map(areas, function (a) { return typeof share(a) === "number" ? share(a) : null; }),
                                ramp, share),
        {title: _("Share of %(name)s", {name: candidate.name}), format: $.proxy(render.percent, render)});
      }
    }
    return {mode: "leader", title: _("Leading candidate"), colour: leader};
  }

  function item(colour, text, kind) {
    var swatch = $("<span>", {"class": "el-swatch " + (kind || ""), "aria-hidden": "true"});
    if (colour) {
      swatch.css("background-color", colour);
    }
    return $("<li>").append(swatch, $("<span>", {text: text}));
  }

  /* Leaders by number of areas led: candidates, or nuances where areas
   * have their own candidates (a nuance's binômes are one entry). */
  function leaders(areas, render, keep, words) {
    var found = {};
    var order = [];
    $.each(areas, function (i, area) {
      var first = area && area.votants ? render.leading(area) : null;
      if (!first || !keep(area)) {
        return;
      }
      var key = first.isNuance || first.area ? "nuance:" + first.nuance : first.id + "|" + first.name;
      if (!found[key]) {
        found[key] = {label: first.area ? first.nuance || first.name : render.candidateLabel(first),
                      colour: render.colour(first), count: 0};
        order.push(key);
      }
      found[key].count += 1;
    });
    order.sort(function (a, b) { return found[b].count - found[a].count; });
    return $.map(order, function (key) {
      var entry = found[key];
      return item(entry.colour, words(entry.count, {label: entry.label}));
    });
  }

  function legend(scale, areas, render) {
    var list = $("<ul>", {"class": "el-legend-list"});
    var seen = {};
    $.each(areas, function (i, area) {
      var fill = scale.colour(area);
      seen[fill] = (seen[fill] || 0) + 1;
      var progress = area && area.progress;
      seen.partial = seen.partial || Boolean(progress && progress.counted > 0 && progress.counted < progress.total);
    });
    if (scale.mode === "classes") {
      list.append($.map(scale.bins, function (bin) {
        return item(bin.colour, scale.format(bin.from) + " – " + scale.format(bin.to));
      }));
    } else if (scale.mode === "leader_change") {
      list.append(leaders(areas, render, function (area) { return area.previous && area.previous.leader_changed; },
        function (count, values) {
          return ngettext("%(label)s: new leader in %(num)s area", "%(label)s: new leader in %(num)s areas", count, values);
        }));
      if (seen[UNCHANGED]) {
        list.append(item(UNCHANGED, ngettext("Same leader as in %(year)s: %(num)s area",
                                             "Same leader as in %(year)s: %(num)s areas", seen[UNCHANGED],
                                             {year: scale.since})));
      }
    } else {
      list.append(leaders(areas, render, function () { return true; }, function (count, values) {
        return ngettext("%(label)s: ahead in %(num)s area", "%(label)s: ahead in %(num)s areas", count, values);
      }));
    }
    list.append(
      item(null, _("Awaited"), "is-awaited"),
      seen.absent ? item(null, _("Does not stand here"), "is-absent") : null,
      seen.unmatched ? item(null, _("Not in the previous election"), "is-unmatched") : null,
      seen.partial ? item(null, _("Partly counted (dashed outline)"), "is-partial") : null);
    return [$("<p>", {"class": "el-legend-title", text: scale.title}), list];
  }

  ckan.sandbox.extend({
    electionsMapScale: {scale: scale, legend: legend, candidates: candidates}
  });
})(this.ckan, this.jQuery);
