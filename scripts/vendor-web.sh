#!/usr/bin/env bash
# Refreshes the browser libraries of the architects' map from the npm registry, at the versions
# locked in ropa/web/vendor/package-lock.json, and copies their built files into
# ropa/web/static/vendor/ (committed, so that a clone, CI and the service need no npm).
#   scripts/vendor-web.sh           install the locked versions and copy them
# To move to a newer version: edit ropa/web/vendor/package.json, run
# `npm install --package-lock-only --ignore-scripts` there, then this script, and commit all three.
set -euo pipefail
cd "$(dirname "$0")/../ropa/web/vendor"
npm ci --ignore-scripts --no-audit --no-fund
out=../static/vendor
rm -rf "$out"
mkdir -p "$out"
cp node_modules/cytoscape/dist/cytoscape.min.js "$out/"
cp node_modules/layout-base/layout-base.js "$out/"
cp node_modules/cose-base/cose-base.js "$out/"
cp node_modules/cytoscape-fcose/cytoscape-fcose.js "$out/"
{
  echo "Vendored by scripts/vendor-web.sh from ropa/web/vendor/package-lock.json; do not edit."
  echo
  for package in cytoscape layout-base cose-base cytoscape-fcose; do
    node -e "const p=require('./node_modules/$package/package.json');console.log(p.name+' '+p.version+' ('+p.license+') '+(p.homepage||''))"
  done
} >"$out/VERSIONS.txt"
for package in cytoscape layout-base cose-base cytoscape-fcose; do
  cp "node_modules/$package/LICENSE" "$out/LICENSE.$package.txt"
done
echo "vendored into ropa/web/static/vendor:" >&2
cat "$out/VERSIONS.txt" >&2
