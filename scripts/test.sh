#!/usr/bin/env bash
# Runs the test suite. The end-to-end tests read our PDFs back with real tools
# (pdftotext, pdffonts, pdftoppm from poppler-utils; zbarimg from zbar-tools;
# qpdf), draw the samples with two more renderers to compare them (mutool from
# mupdf-tools, gs from ghostscript), drive the preview page in headless
# Chromium through chromedriver (chromium, chromium-driver), print 外字 with
# the fallback fonts (fonts-ipamj-mincho, fonts-noto-cjk), and the server's TLS
# test makes a certificate with openssl and talks to it with curl. This installs
# those Debian packages first when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v qpdf >/dev/null || need+=(qpdf)
command -v mutool >/dev/null || need+=(mupdf-tools)
command -v gs >/dev/null || need+=(ghostscript)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
[ -f /usr/share/fonts/truetype/ipamj/ipamjm.ttf ] || need+=(fonts-ipamj-mincho)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (needed by the end-to-end tests)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --release: the README's first command builds the release profile; testing the
# same profile reuses that build instead of compiling every dependency again.
cargo test --release --locked "$@"
