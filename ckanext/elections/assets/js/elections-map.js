/* The map of an election view: the outlines of the chosen level (from the
 * election's "boundaries" resources, joined on the area code), coloured by
 * leading candidate, participation or one candidate's share, with a legend.
 * Tapping or clicking an area (or Enter on it) selects it: the panel of
 * elections-detail shows its figures; nothing depends on hover.
 *
 * Usage, inside an element with data-module="elections-live":
 *
 *   <div data-module="elections-map" data-module-table="true"
 *        data-module-tile-url="https://tile.example.org/{z}/{x}/{y}.png" data-module-tile-attribution="©">
 *     <div data-role="map"></div>
 *     <p data-role="map-notice" hidden></p>
 *     <div data-role="legend"></div>
 *   </div>
 *
 * data-module-table says the page has a table of every area (the legend
 * points to it). No background tiles unless a tile URL is given: by default the map makes
 * no request outside the portal.
 */
this.ckan.module("elections-map", function ($) {
  "use strict";

  var PARTICIPATION = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var AWAITED = "#d9d9d9";
  var CLASSES = 5;

  return {
    options: {
      tileUrl: "",
      tileAttribution: "",
      table: false
    },

    initialize: function () {
      $.proxyAll(this, /_on/);
      this.canvas = this.$("[data-role=map]");
      this.legend = this.$("[data-role=legend]");
      this.notice = this.$("[data-role=map-notice]");
      this.render = this.sandbox.elections();
      this.geometries = {};
      this.layer = null;
      this.layerKey = null;
      // An empty data-module-* attribute reads as true.
      var tiles = typeof this.options.tileUrl === "string" ? this.options.tileUrl : "";
      this.map = L.map(this.canvas[0], {
        attributionControl: Boolean(tiles),
        zoomControl: false,
        scrollWheelZoom: false,
        // One finger scrolls the page on phones until the map is zoomed in
        // (then it pans: see _onZoom); the buttons zoom.
        dragging: !L.Browser.mobile,
        zoomSnap: 0.25,
        renderer: L.svg({padding: 0.2})
      }).setView([46.6, 2.4], 5);
      L.control.zoom({zoomInTitle: this._("Zoom in"), zoomOutTitle: this._("Zoom out")}).addTo(this.map);
      this.map.on("zoomend", this._onZoom);
      this.map.on("zoomstart", $.proxy(function () { this._ring(null); }, this));
      if (tiles) {
        var given = this.options.tileAttribution;
        var attribution = $("<span>").text(typeof given === "string" ? given : "").html();
        L.tileLayer(tiles, {attribution: attribution, maxZoom: 19}).addTo(this.map);
        this.map.attributionControl.setPrefix(false);
      }
      this.sandbox.subscribe("elections:results", this._onResults);
      this.sandbox.subscribe("elections:resize", this._onResize);
      this.el.on("click", "[data-role=png]", this._onPng);
    },

    _onZoom: function () {
      if (L.Browser.mobile && this.fitZoom !== undefined) {
        this.map.dragging[this.map.getZoom() > this.fitZoom + 0.1 ? "enable" : "disable"]();
      }
    },

    _onResize: function () {
      this.map.invalidateSize({pan: false});
      if (this.layer) {
        this._fit();
      }
    },

    _onResults: function (payload) {
      var self = this;
      var level = payload.state.level;
      var source = payload.election.boundaries && payload.election.boundaries[level];
      this.payload = payload;
      if (this.drilled === undefined) {
        // Where the page opened: not a drill-down, even if the outlines
        // arrive after the reader has already drilled down.
        this.drilled = payload.state.canton;
      }
      if (!source) {
        this._showNotice(this._("No outlines for this level: see the table of results."));
        return;
      }
      this._geometry(source.url).then(function (geojson) {
        if (self.payload === payload) {
          self._showNotice("");
          self._draw(payload, geojson, source);
        }
      }, function () {
        if (self.payload === payload) {
          self._showNotice(self._("The outlines of the areas could not be loaded."));
        }
      });
    },

    _showNotice: function (text) {
      this.notice.text(text).prop("hidden", !text);
      this.canvas.toggleClass("is-empty", Boolean(text));
      this.legend.prop("hidden", Boolean(text));
      if (text && this.layer) {
        this.map.removeLayer(this.layer);
        this.layer = null;
        this.layerKey = null;
      }
    },

    _geometry: function (url) {
      if (!this.geometries[url]) {
        this.geometries[url] = window.fetch(url, {credentials: "same-origin"}).then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        });
        this.geometries[url].catch($.proxy(function () { delete this.geometries[url]; }, this));
      }
      return this.geometries[url];
    },

    _draw: function (payload, geojson, source) {
      var self = this;
      var state = payload.state;
      var areas = payload.areas ? payload.areas.areas : [];
      var byCode = {};
      $.each(areas, function (i, area) { byCode[area.code] = area; });
      var code = function (feature) {
        var value = feature.properties ? feature.properties[source.join] : null;
        return value === null || value === undefined ? "" : String(value);
      };
      var key = [source.url, state.level, state.canton].join("|");
      if (key !== this.layerKey) {
        var features = $.grep(geojson.features || [], function (feature) {
          if (state.level !== "bureau" || !state.canton) {
            return true;
          }
          var area = byCode[code(feature)];
          return (area ? area.canton : feature.properties.canton) === state.canton;
        });
        if (this.layer) {
          this.map.removeLayer(this.layer);
        }
        this.layer = L.geoJSON({type: "FeatureCollection", features: features}, {
          onEachFeature: function (feature, layer) {
            layer.areaCode = code(feature);
            layer.on("click", function () { self._choose(layer.areaCode); });
          }
        }).addTo(this.map);
        this.layerKey = key;
        this.layer.eachLayer(function (layer) {
          var path = layer.getElement();
          if (path) {
            path.setAttribute("tabindex", "0");
            path.setAttribute("role", "button");
            L.DomEvent.on(path, "keydown", function (event) {
              if (event.key === "Enter" || event.key === " ") {
                L.DomEvent.preventDefault(event);
                self._choose(layer.areaCode);
              }
            });
            // Drawn last, the focused outline is not hidden under its neighbours'.
            L.DomEvent.on(path, "focus", function () { self._ring(path); });
            L.DomEvent.on(path, "blur", function () { self._ring(null); });
          }
        });
        this._fit();
        if (this.drilled !== state.canton) {
          this._drilled(state.canton, state.area);
        }
      }
      var scale = this._scale(payload, areas);
      this.layer.eachLayer(function (layer) {
        var area = byCode[layer.areaCode];
        var selected = Boolean(state.area) && layer.areaCode === state.area;
        var fill = area ? scale.colour(area) : null;
        // Partly counted: a dashed outline, never a lighter fill (lightness
        // is the value itself in the participation and share modes).
        var partial = Boolean(area && area.progress && area.progress.counted > 0 &&
          area.progress.counted < area.progress.total);
        layer.setStyle({
          color: selected ? "#111111" : partial ? "#1a1a1a" : "#ffffff",
          weight: selected ? 3 : partial ? 1.6 : 1.2,
          dashArray: partial && !selected ? "4 3" : null,
          opacity: 1,
          fillColor: fill || AWAITED,
          fillOpacity: fill ? 0.9 : 1
        });
        var path = layer.getElement();
        if (path) {
          L.DomUtil[fill ? "removeClass" : "addClass"](path, "is-awaited");
          L.DomUtil[partial ? "addClass" : "removeClass"](path, "is-partial");
          path.setAttribute("aria-pressed", selected ? "true" : "false");
          path.setAttribute("aria-label", self._describe(payload, area, layer.areaCode));
        }
        if (selected) {
          layer.bringToFront();
        }
      });
      this._legend(payload, scale);
    },

    /* The focus ring, drawn over every shape (the focused shape itself
     * cannot move to the front: moving it would drop its focus or its click). */
    _ring: function (path) {
      $(this.ring).remove();
      this.ring = null;
      if (path && path.parentNode) {
        this.ring = path.cloneNode(false);
        this.ring.removeAttribute("tabindex");
        this.ring.removeAttribute("role");
        this.ring.removeAttribute("aria-label");
        this.ring.removeAttribute("aria-pressed");
        this.ring.setAttribute("aria-hidden", "true");
        this.ring.setAttribute("class", "el-focus-ring");
        path.parentNode.appendChild(this.ring);
      }
    },

    _fit: function () {
      var bounds = this.layer.getBounds();
      // A hidden map (another screen of the big screen) has no size to fit.
      if (bounds.isValid() && this.canvas[0].clientWidth > 0) {
        this.map.fitBounds(bounds, {padding: [6, 6], animate: false});
        this.fitZoom = this.map.getZoom();
        this._onZoom();
      }
    },

    /* After a drill-down (or the way back), the new map is brought into
     * view and given the focus, where the button that asked for it was. */
    _drilled: function (canton, area) {
      this.drilled = canton;
      // With an area chosen (a search, the way back), its figures take the focus.
      if (area || $(document.documentElement).hasClass("is-screen")) {
        return;
      }
      var block = this.el[0];
      var box = block.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        block.scrollIntoView({block: "start"});
      }
      this.canvas.attr("aria-label", this._("Map of the results"))[0].focus({preventScroll: true});
    },

    _choose: function (code) {
      var state = this.payload.state;
      this.sandbox.publish("elections:select", {area: state.area === code ? "" : code});
    },

    // ------------------------------------------------------------------
    // Colours

    _scale: function (payload, areas) {
      var state = payload.state;
      var render = this.render;
      if (state.mode === "participation") {
        var values = $.map(areas, function (area) { return area.votants ? area.participation : null; });
        return this._classes(values, PARTICIPATION, function (area) {
          return area.votants ? area.participation : null;
        }, render.count("participation"));
      }
      if (state.mode === "candidate") {
        var candidate = this._candidate(payload);
        if (candidate) {
          var ramp = $.map([0.2, 0.4, 0.6, 0.8, 1], function (t) { return mix(render.colour(candidate), t); });
          var share = function (area) {
            var found = $.grep(area.candidates || [], function (c) { return String(c.id) === String(candidate.id); })[0];
            return found && area.exprimes ? found.pct_exprimes : null;
          };
          return this._classes($.map(areas, share), ramp, share,
                               this._("Share of %(name)s", {name: candidate.name}));
        }
      }
      return {
        mode: "leader",
        title: this._("Leading candidate"),
        colour: function (area) {
          return area.leader && area.candidates.length ? render.colour(area.candidates[0]) : null;
        }
      };
    },

    _candidate: function (payload) {
      var whole = payload.territory && payload.territory.areas && payload.territory.areas[0];
      var candidates = whole ? whole.candidates : [];
      var wanted = String(payload.state.candidate || "");
      return $.grep(candidates, function (c) { return String(c.id) === wanted; })[0] || candidates[0] || null;
    },

    /* Five classes of equal width between rounded bounds of the values. */
    _classes: function (values, palette, value, title) {
      var low = values.length ? Math.floor(Math.min.apply(null, values)) : 0;
      var high = values.length ? Math.ceil(Math.max.apply(null, values)) : 100;
      if (high - low < CLASSES) {
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
        title: title,
        bins: bins,
        colour: function (area) {
          var v = value(area);
          if (v === null || v === undefined) {
            return null;
          }
          return palette[Math.max(0, Math.min(CLASSES - 1, Math.floor((v - low) / step)))];
        }
      };
    },

    // ------------------------------------------------------------------
    // Words: legend and the label of each shape

    _legend: function (payload, scale) {
      var self = this;
      var list = $("<ul>", {"class": "el-legend-list"});
      if (scale.mode === "classes") {
        $.each(scale.bins, function (i, bin) {
          list.append(self._legendItem(bin.colour, self.render.percent(bin.from) + " – " + self.render.percent(bin.to)));
        });
      } else {
        var leaders = {};
        var order = [];
        // Only what the map draws: after a drill-down, the canton's bureaux.
        var drawn = {};
        this.layer.eachLayer(function (layer) { drawn[layer.areaCode] = true; });
        $.each(payload.areas ? payload.areas.areas : [], function (i, area) {
          var first = drawn[area.code] && area.leader && area.candidates[0];
          if (first) {
            var key = first.id + "|" + first.name;
            if (!leaders[key]) {
              leaders[key] = {candidate: first, count: 0};
              order.push(key);
            }
            leaders[key].count += 1;
          }
        });
        order.sort(function (a, b) { return leaders[b].count - leaders[a].count; });
        $.each(order, function (i, key) {
          var entry = leaders[key];
          var label = self.render.candidateLabel(entry.candidate);
          list.append(self._legendItem(self.render.colour(entry.candidate),
            self.ngettext("%(label)s: ahead in %(num)s area", "%(label)s: ahead in %(num)s areas",
                          entry.count, {label: label})));
        });
      }
      list.append(this._legendItem(null, this._("Awaited")),
                  this._legendItem(null, this._("Partly counted (dashed outline)"), "is-partial"));
      this.legend.empty().append(
        $("<p>", {"class": "el-legend-title", text: scale.title}), list,
        this.options.table === true
          ? $("<p>", {"class": "el-legend-note", text: this._("The table below gives every figure.")}) : null,
        $("<p>", {"class": "el-download"}).append($("<button>", {
          type: "button", "class": "el-button el-button--small", "data-role": "png", text: this._("Download the map (PNG)")})));
    },

    _onPng: function () {
      var state = this.payload.state;
      this.sandbox.electionsExport.mapPng(this.canvas.find("svg")[0],
        [state.election, state.level, state.canton].filter(Boolean).join("-") + ".png");
    },

    _legendItem: function (colour, text, kind) {
      var swatch = $("<span>", {"class": "el-swatch " + (colour ? "" : kind || "is-awaited"), "aria-hidden": "true"});
      if (colour) {
        swatch.css("background-color", colour);
      }
      return $("<li>").append(swatch, $("<span>", {text: text}));
    },

    _describe: function (payload, area, code) {
      if (!area) {
        return code;
      }
      var name = area.name || area.code;
      var render = this.render;
      if (!area.votants) {
        return this._("%(name)s: results awaited", {name: name});
      }
      var first = area.candidates[0];
      return this._("%(name)s: %(leader)s ahead with %(share)s, participation %(participation)s", {
        name: name,
        leader: first ? first.name : "–",
        share: first ? render.percent(first.pct_exprimes) : "–",
        participation: render.percent(area.participation)
      });
    }
  };

  /* ``colour`` mixed with white: t = 0 white, 1 the colour itself. */
  function mix(colour, t) {
    var channels = [1, 3, 5].map(function (i) { return parseInt(colour.slice(i, i + 2), 16); });
    return "#" + channels.map(function (c) {
      var value = Math.round(255 + (c - 255) * t).toString(16);
      return value.length < 2 ? "0" + value : value;
    }).join("");
  }
});
