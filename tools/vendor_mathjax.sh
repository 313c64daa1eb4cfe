#!/usr/bin/env bash
# Reproduce the vendored MathJax in _mathjax/ (served by Sphinx's html_extra_path, so the book renders
# math without any network access). Needs npm and the npm registry; run from anywhere.
#
# What is kept (about 2 MB instead of MathJax's 24 MB):
#   es5/tex-mml-chtml.js                  the combined component the pages load (TeX + MathML in, CHTML out,
#                                         menu and assistive MathML included)
#   es5/output/chtml/fonts/woff-v2/       the CHTML web fonts it loads
#   es5/input/tex/extensions/*.js         TeX packages that the autoload extension fetches on first use
#                                         (\boldsymbol, \cancel, \color, \bbox, mathtools, physics, ...)
#                                         but not all-packages.js, which nothing loads on demand
#   LICENSE                               Apache-2.0, kept as the licence requires
# Not kept: sre/ and a11y/explorer (only loaded when a reader switches on the interactive explorer in
# MathJax's context menu), SVG output, the other combined components.
set -euo pipefail

VERSION=3.2.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/_mathjax/mathjax"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent "mathjax@$VERSION" >/dev/null && tar xzf "mathjax-$VERSION.tgz")
SRC="$TMP/package"
test "$(node -p "require('$SRC/package.json').version")" = "$VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/output/chtml/fonts" "$DEST/input/tex/extensions"
cp "$SRC/LICENSE" "$DEST/LICENSE"
cp "$SRC/es5/tex-mml-chtml.js" "$DEST/"
cp -r "$SRC/es5/output/chtml/fonts/woff-v2" "$DEST/output/chtml/fonts/"
for f in "$SRC"/es5/input/tex/extensions/*.js; do
    [ "$(basename "$f")" = all-packages.js ] || cp "$f" "$DEST/input/tex/extensions/"
done

echo "MathJax $VERSION vendored into $DEST ($(du -sh "$DEST" | cut -f1))"
