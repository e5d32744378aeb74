#!/bin/sh
# Vendors Leaflet for the staff pages' map: fetches exactly LEAFLET_VERSION from the npm registry,
# checks the package's sha256, copies the files the pages use (and the licence) into
# backend/web/static/vendor/leaflet-<version>/ and checks each against tools/leaflet.sha256.
# tests/test_manage_site_map.py checks the committed files against that list, so vendored code is
# never edited by hand: to upgrade, change both pins below, run this, and update the list with
#   (cd backend/web/static/vendor && sha256sum leaflet-<version>/*  leaflet-<version>/images/*)
set -eu
LEAFLET_VERSION=1.9.4
PACKAGE_SHA256=84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77

root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/backend/web/static/vendor"
target="$vendor/leaflet-$LEAFLET_VERSION"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "vendor-leaflet: needs npm (Node.js)"; exit 1; }
(cd "$work" && npm pack --silent "leaflet@$LEAFLET_VERSION" >/dev/null)
echo "$PACKAGE_SHA256  $work/leaflet-$LEAFLET_VERSION.tgz" | sha256sum -c --quiet - ||
  { echo "vendor-leaflet: the package's sha256 differs from the pinned one"; exit 1; }
tar -xzf "$work/leaflet-$LEAFLET_VERSION.tgz" -C "$work"
rm -rf "$target" && mkdir -p "$target/images"
cp "$work/package/LICENSE" "$work/package/dist/leaflet.js" "$work/package/dist/leaflet.css" "$target/"
for icon in marker-icon.png marker-icon-2x.png marker-shadow.png; do
  cp "$work/package/dist/images/$icon" "$target/images/"
done
(cd "$vendor" && sha256sum -c --quiet "$root/tools/leaflet.sha256")
echo "vendor-leaflet: Leaflet $LEAFLET_VERSION in $target, every file as listed in tools/leaflet.sha256"
