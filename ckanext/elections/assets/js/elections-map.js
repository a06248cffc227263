/* The map of an election view: the outlines of the chosen level (from the
 * election's "boundaries" resources, joined on the area code), coloured by
 * leading candidate, participation, one candidate's share or the change
 * since the previous election (elections-map-scale.js), with a legend.
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

  // Areas without a colour: not counted yet (hatched), the candidate does
  // not stand there, the previous election does not have them.
  var NEUTRAL = {awaited: "#d9d9d9", absent: "#f4f4f4", unmatched: "#ffffff"};

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
      // The page waits for the first drawing (elections-live).
      this.el.attr("data-pending", "true");
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

    _drawn: function () {
      if (this.el.attr("data-pending")) {
        this.el.removeAttr("data-pending");
        this.sandbox.publish("elections:drawn");
      }
    },

    _showNotice: function (text) {
      if (text) {
        this._drawn();
      }
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
      var scale = this.sandbox.electionsMapScale.scale(payload, this.render);
      var drawn = [];
      this.layer.eachLayer(function (layer) {
        var area = byCode[layer.areaCode];
        var selected = Boolean(state.area) && layer.areaCode === state.area;
        var fill = scale.colour(area);
        var neutral = NEUTRAL[fill] ? fill : null;
        drawn.push(area);
        // Partly counted: a dashed outline, never a lighter fill (lightness
        // is the value itself in the participation and share modes).
        var partial = Boolean(area && area.progress && area.progress.counted > 0 &&
          area.progress.counted < area.progress.total);
        layer.setStyle({
          color: selected ? "#111111" : partial ? "#1a1a1a" : neutral === "unmatched" ? "#8c8c8c" : "#ffffff",
          weight: selected ? 3 : partial ? 1.6 : 1.2,
          dashArray: partial && !selected ? "4 3" : null,
          opacity: 1,
          fillColor: neutral ? NEUTRAL[neutral] : fill,
          fillOpacity: neutral ? 1 : 0.9
        });
        var path = layer.getElement();
        if (path) {
          $.each(NEUTRAL, function (name) {
            L.DomUtil[neutral === name ? "addClass" : "removeClass"](path, "is-" + name);
          });
          L.DomUtil[partial ? "addClass" : "removeClass"](path, "is-partial");
          path.setAttribute("aria-pressed", selected ? "true" : "false");
          path.setAttribute("aria-label", self._describe(payload, area, layer.areaCode, neutral));
        }
        if (selected) {
          layer.bringToFront();
        }
      });
      this._legend(payload, scale, drawn);
      this._drawn();
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
    // Words: legend and the label of each shape

    _legend: function (payload, scale, drawn) {
      this.legend.empty().append(
        this.sandbox.electionsMapScale.legend(scale, drawn, this.render),
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

    _describe: function (payload, area, code, neutral) {
      if (!area) {
        return code;
      }
      var name = area.name || area.code;
      var render = this.render;
      if (!area.votants) {
        return this._("%(name)s: results awaited", {name: name});
      }
      var first = render.leading(area);
      var text = this._("%(name)s: %(leader)s ahead with %(share)s, participation %(participation)s", {
        name: name,
        leader: first ? first.name : "–",
        share: first ? render.percent(first.pct_exprimes) : "–",
        participation: render.percent(area.participation)
      });
      var previous = area.previous;
      if (payload.state.mode === "participation_change" && previous && previous.participation_change !== null) {
        text += ", " + this._("%(points)s since %(year)s", {points: render.points(previous.participation_change),
                                                             year: render.since(payload)});
      }
      if (neutral === "absent") {
        text += ", " + this._("the candidate does not stand here");
      }
      return text;
    }
  };
});
