// Copies the front-end libraries installed by npm into the plugins' asset
// folders (git-ignored), where webassets bundles them and where a built
// wheel picks them up. Runs as npm's postinstall.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const copies = [
  ["node_modules/leaflet/dist/leaflet.js", "ckanext/elections/assets/vendor/leaflet/leaflet.js"],
  ["node_modules/leaflet/dist/leaflet.css", "ckanext/elections/assets/vendor/leaflet/leaflet.css"],
  ["node_modules/leaflet/LICENSE", "ckanext/elections/assets/vendor/leaflet/LICENSE"],
  ["node_modules/chart.js/dist/chart.umd.js", "ckanext/usagestats/assets/vendor/chart.js/chart.umd.js"],
  ["node_modules/chart.js/LICENSE.md", "ckanext/usagestats/assets/vendor/chart.js/LICENSE.md"],
];
for (const [from, to] of copies) {
  const target = path.join(root, to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, from), target);
}
