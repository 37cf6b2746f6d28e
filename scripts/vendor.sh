#!/usr/bin/env bash
# Vendor the front-end libraries from the npm registry into yewu/static/vendor/.
#
#   bash scripts/vendor.sh
#
# Nothing is loaded from a CDN at run time: the built files are committed under
# yewu/static/vendor/ and served by Django's staticfiles.
#
# To upgrade a library, change its version in PACKAGES below (the only place
# versions are pinned), run the script and review the diff.
#
# Idempotent: everything is staged in a temp dir first, then each vendored
# folder is wiped and replaced. README.md in the vendor folder is left alone.
set -euo pipefail

# --- Pinned versions (exact; check the latest with `npm view PKG version`) ---
PACKAGES=(
  "htmx.org@2.0.11"
  "bootstrap@5.3.9"
  "bootstrap-icons@1.13.2"
  "echarts@6.1.0"
  "bpmn-js@18.31.1"
  "swagger-ui-dist@5.35.0"
)

# Source maps are not vendored, except bootstrap.min.css.map (set to 0 to drop it).
KEEP_BOOTSTRAP_CSS_MAP=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/yewu/static/vendor"

log() { printf '%s\n' "$*"; }
die() { printf 'vendor.sh: error: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required"
command -v node >/dev/null || die "node is required"
command -v perl >/dev/null || die "perl is required"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/yewu-vendor.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
STAGE="$TMP/stage"
mkdir -p "$STAGE" "$TMP/pkgs"

VERSIONS_BODY=""

# fetch SPEC -> sets PKG (extracted package root), PKG_NAME, PKG_VERSION, PKG_LICENSE
fetch() {
  local spec="$1" name="${1%@*}" version="${1##*@}" json="$TMP/pack.json" tarball
  log "==> npm pack $spec"
  (cd "$TMP/pkgs" && npm pack "$spec" --ignore-scripts --json --loglevel=error \
     --pack-destination "$TMP/pkgs") > "$json"
  tarball="$(node -p 'require(process.argv[1])[0].filename' "$json")"
  PKG_INTEGRITY="$(node -p 'require(process.argv[1])[0].integrity' "$json")"
  PKG="$TMP/pkgs/$name"
  mkdir -p "$PKG"
  tar -xzf "$TMP/pkgs/$tarball" -C "$PKG" --strip-components=1
  PKG_NAME="$(node -p 'require(process.argv[1]).name' "$PKG/package.json")"
  PKG_VERSION="$(node -p 'require(process.argv[1]).version' "$PKG/package.json")"
  PKG_LICENSE="$(node -p 'require(process.argv[1]).license || "UNKNOWN"' "$PKG/package.json")"
  [[ "$PKG_NAME" == "$name" ]] || die "$spec: got package $PKG_NAME"
  [[ "$PKG_VERSION" == "$version" ]] || die "$spec: got version $PKG_VERSION"
}

# put SRC DEST : copy a file from the package into the staging area
put() {
  local src="$PKG/$1" dest="$STAGE/$2"
  [[ -f "$src" ]] || die "$PKG_NAME@$PKG_VERSION: missing $1"
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest"
  log "    $1 -> vendor/$2"
}

# licence DESTDIR : copy LICENSE*/LICENCE*/COPYING*/NOTICE* from the package root
licence() {
  local dest="$STAGE/$1" found=0 f
  mkdir -p "$dest"
  shopt -s nullglob nocaseglob
  for f in "$PKG"/LICENSE* "$PKG"/LICENCE* "$PKG"/COPYING* "$PKG"/NOTICE*; do
    [[ -f "$f" ]] || continue
    cp "$f" "$dest/"
    log "    $(basename "$f") -> vendor/$1/$(basename "$f")"
    found=1
  done
  shopt -u nullglob nocaseglob
  [[ $found == 1 ]] || die "$PKG_NAME@$PKG_VERSION: no licence file found"
}

record() {  # record [LICENCE-NAME-OVERRIDE]
  local lic="${1:-$PKG_LICENSE}"
  VERSIONS_BODY+="$(printf '%-24s %-48s %s' "$PKG_NAME@$PKG_VERSION" "$lic" "$PKG_INTEGRITY")"$'\n'
}

spec_of() {  # spec_of NAME -> NAME@VERSION from PACKAGES
  local p
  for p in "${PACKAGES[@]}"; do
    [[ "${p%@*}" == "$1" ]] && { printf '%s' "$p"; return; }
  done
  die "no pinned version for $1 in PACKAGES"
}

# --- htmx -------------------------------------------------------------------
fetch "$(spec_of htmx.org)"
put dist/htmx.min.js htmx/htmx.min.js
licence htmx
record

# --- Bootstrap --------------------------------------------------------------
fetch "$(spec_of bootstrap)"
put dist/css/bootstrap.min.css bootstrap/bootstrap.min.css
if [[ $KEEP_BOOTSTRAP_CSS_MAP == 1 && -f "$PKG/dist/css/bootstrap.min.css.map" ]]; then
  put dist/css/bootstrap.min.css.map bootstrap/bootstrap.min.css.map
fi
put dist/js/bootstrap.bundle.min.js bootstrap/bootstrap.bundle.min.js
licence bootstrap
record

# --- Bootstrap Icons (CSS refers to fonts/bootstrap-icons.woff2 / .woff) ------
fetch "$(spec_of bootstrap-icons)"
put font/bootstrap-icons.min.css bootstrap-icons/bootstrap-icons.min.css
put font/fonts/bootstrap-icons.woff2 bootstrap-icons/fonts/bootstrap-icons.woff2
put font/fonts/bootstrap-icons.woff bootstrap-icons/fonts/bootstrap-icons.woff
licence bootstrap-icons
record

# --- Apache ECharts -----------------------------------------------------------
fetch "$(spec_of echarts)"
put dist/echarts.min.js echarts/echarts.min.js
licence echarts
# third-party licences bundled with echarts (e.g. d3 code)
for f in "$PKG"/licenses/*; do
  if [[ -f "$f" ]]; then put "licenses/$(basename "$f")" "echarts/licenses/$(basename "$f")"; fi
done
record

# --- bpmn-js (assets keep the layout the CSS expects: ../font/bpmn.*) ---------
fetch "$(spec_of bpmn-js)"
put dist/bpmn-viewer.production.min.js bpmn-js/bpmn-viewer.production.min.js
put dist/bpmn-modeler.production.min.js bpmn-js/bpmn-modeler.production.min.js
put dist/assets/diagram-js.css bpmn-js/assets/diagram-js.css
put dist/assets/bpmn-js.css bpmn-js/assets/bpmn-js.css
put dist/assets/bpmn-font/css/bpmn.css bpmn-js/assets/bpmn-font/css/bpmn.css
for f in "$PKG"/dist/assets/bpmn-font/font/bpmn.*; do
  put "dist/assets/bpmn-font/font/$(basename "$f")" "bpmn-js/assets/bpmn-font/font/$(basename "$f")"
done
licence bpmn-js
record "bpmn.io License (MIT + keep bpmn.io watermark)"

# --- Swagger UI (names expected by drf-spectacular's SWAGGER_UI_DIST) ---------
fetch "$(spec_of swagger-ui-dist)"
put swagger-ui.css swagger-ui-dist/swagger-ui.css
put swagger-ui-bundle.js swagger-ui-dist/swagger-ui-bundle.js
put swagger-ui-standalone-preset.js swagger-ui-dist/swagger-ui-standalone-preset.js
# third-party licence notices referenced from the bundles' banner comments
put swagger-ui-bundle.js.LICENSE.txt swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt
put swagger-ui-standalone-preset.js.LICENSE.txt swagger-ui-dist/swagger-ui-standalone-preset.js.LICENSE.txt
licence swagger-ui-dist
record

# --- Post-processing and checks ---------------------------------------------
log "==> Checking vendored files"

# Strip sourceMappingURL comments whose .map file is not vendored (avoids 404s).
while IFS= read -r -d '' f; do
  while IFS= read -r ref; do
    [[ -z "$ref" || "$ref" == data:* ]] && continue
    if [[ ! -f "$(dirname "$f")/$ref" ]]; then
      perl -0pi -e 's{\n?/\*#\s*sourceMappingURL=\S+\s*\*/}{}g; s{\n?//[#@]\s*sourceMappingURL=\S+[ \t]*}{}g' "$f"
      log "    stripped sourceMappingURL=$ref from ${f#"$STAGE"/}"
    fi
  done < <(grep -aoE '[#@] ?sourceMappingURL=[^ *"'"'"']+' "$f" | sed -E 's/.*sourceMappingURL=//' || true)
done < <(find "$STAGE" -type f \( -name '*.js' -o -name '*.css' \) -print0)

# No dangling sourceMappingURL left.
bad=0
while IFS= read -r -d '' f; do
  for ref in $(grep -aoE '[#@] ?sourceMappingURL=[^ *"'"'"']+' "$f" | sed -E 's/.*sourceMappingURL=//' || true); do
    [[ "$ref" == data:* || -f "$(dirname "$f")/$ref" ]] || { log "    dangling sourceMappingURL=$ref in ${f#"$STAGE"/}"; bad=1; }
  done
done < <(find "$STAGE" -type f \( -name '*.js' -o -name '*.css' \) -print0)

# CSS must not load anything (fonts, imports) from an external URL,
# and every relative url(...) must point to a vendored file.
while IFS= read -r -d '' f; do
  if grep -aqiE "url\([\"']?(https?:)?//|@import" "$f"; then
    log "    external url()/@import in ${f#"$STAGE"/}"; bad=1
  fi
  while IFS= read -r u; do
    p="${u%%[?#]*}"
    [[ -f "$(dirname "$f")/$p" ]] || { log "    missing url($u) referenced by ${f#"$STAGE"/}"; bad=1; }
  done < <(grep -aoE "url\([\"']?[^)\"']+" "$f" | sed -E "s/^url\([\"']?//" \
             | grep -vE '^(data:|#|https?:|//)' | sort -u || true)
done < <(find "$STAGE" -type f -name '*.css' -print0)

# JS must not load scripts/fonts/styles from a CDN or another external host.
while IFS= read -r -d '' f; do
  if grep -aqiE "(src=|import\(|importScripts\()[\"'\`]https?://|fonts\.(googleapis|gstatic)\.com|cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com" "$f"; then
    log "    external script/font load in ${f#"$STAGE"/}"; bad=1
  fi
done < <(find "$STAGE" -type f -name '*.js' -print0)

[[ $bad == 0 ]] || die "checks failed, vendor folder left unchanged"
log "    ok"

{
  echo "# Front-end libraries vendored from the npm registry by scripts/vendor.sh."
  echo "# Generated file, do not edit: change PACKAGES in scripts/vendor.sh and re-run it."
  echo "# package@version          licence                                          npm integrity"
  printf '%s' "$VERSIONS_BODY"
} > "$STAGE/VERSIONS.txt"

# --- Install: wipe and replace each vendored folder -------------------------
log "==> Installing into ${VENDOR#"$ROOT"/}/"
mkdir -p "$VENDOR"
for d in htmx bootstrap bootstrap-icons echarts bpmn-js swagger-ui-dist; do
  rm -rf "${VENDOR:?}/$d"
  mv "$STAGE/$d" "$VENDOR/$d"
  log "    vendor/$d ($(du -sh "$VENDOR/$d" | cut -f1))"
done
mv "$STAGE/VERSIONS.txt" "$VENDOR/VERSIONS.txt"

log "==> Done. Versions:"
grep -v '^#' "$VENDOR/VERSIONS.txt" | sed 's/^/    /'
log "    total: $(du -sh "$VENDOR" | cut -f1)"
