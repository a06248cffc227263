/* Downloads of what a chart shows, made in the browser (no rendering
 * service on the portal): CSV of a table, PNG of the map (its SVG drawn on a
 * canvas) and of candidate bars.
 *
 *   var exports = this.sandbox.electionsExport;
 *   exports.csv([["Area", "Turnout"], ["Nord", 54.2]], "results.csv");
 *   exports.mapPng(svgElement, "map.png");
 *   exports.barsPng("Title", candidates, this.sandbox.elections(), "bars.png");
 */
(function (ckan, $) {
  "use strict";

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  function cell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return /[",\n;]/.test(text) ? "\"" + text.replace(/"/g, "\"\"") + "\"" : text;
  }

  /* Twice the pixels: sharp on the screens of phones and in print. */
  function canvas(width, height) {
    var element = document.createElement("canvas");
    element.width = width * 2;
    element.height = height * 2;
    var context = element.getContext("2d");
    context.scale(2, 2);
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    return {element: element, context: context};
  }

  ckan.sandbox.extend({
    electionsExport: {
      csv: function (rows, name) {
        // A BOM, so that spreadsheet software reads the accents as UTF-8.
        var text = "\ufeff" + rows.map(function (row) { return row.map(cell).join(","); }).join("\r\n") + "\r\n";
        save(new Blob([text], {type: "text/csv;charset=utf-8"}), name);
      },

      mapPng: function (svg, name) {
        var box = svg.getBoundingClientRect();
        var copy = svg.cloneNode(true);
        copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
        copy.setAttribute("width", Math.round(box.width));
        copy.setAttribute("height", Math.round(box.height));
        copy.removeAttribute("style");
        // The page's stylesheet does not travel with the image: its rules become attributes.
        var hatch = document.getElementById("el-hatch");
        if (hatch) {
          var defs = document.createElementNS("http://www.w3.org/2000/svg", "defs");
          defs.appendChild(hatch.cloneNode(true));
          copy.insertBefore(defs, copy.firstChild);
        }
        $(copy).find("path.is-awaited").attr("fill", "url(#el-hatch)");
        $(copy).find("path.is-partial").attr("stroke-dasharray", "4 3");
        var image = new Image();
        var url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)],
                                               {type: "image/svg+xml;charset=utf-8"}));
        image.onload = function () {
          var drawing = canvas(box.width, box.height);
          drawing.context.drawImage(image, 0, 0, box.width, box.height);
          URL.revokeObjectURL(url);
          drawing.element.toBlob(function (blob) { save(blob, name); }, "image/png");
        };
        image.src = url;
      },

      barsPng: function (title, candidates, render, name) {
        var width = 720;
        var row = 44;
        var drawing = canvas(width, 56 + row * candidates.length);
        var context = drawing.context;
        var font = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
        var top = candidates.length ? candidates[0].pct_exprimes || 0 : 0;
        context.fillStyle = "#1a1a1a";
        context.font = "600 18px " + font;
        context.fillText(title, 12, 28);
        $.each(candidates, function (i, candidate) {
          var y = 56 + i * row;
          context.fillStyle = "#1a1a1a";
          context.font = "14px " + font;
          context.fillText(render.candidateLabel(candidate), 12, y + 12, width - 24);
          context.fillStyle = "#ececec";
          context.fillRect(12, y + 18, width - 140, 14);
          context.fillStyle = render.colour(candidate);
          context.fillRect(12, y + 18, top ? (width - 140) * (candidate.pct_exprimes || 0) / top : 0, 14);
          context.fillStyle = "#1a1a1a";
          context.font = "600 14px " + font;
          context.fillText(render.percent(candidate.pct_exprimes), width - 118, y + 30);
        });
        drawing.element.toBlob(function (blob) { save(blob, name); }, "image/png");
      }
    }
  });
})(this.ckan, this.jQuery);
