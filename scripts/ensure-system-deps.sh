#!/bin/sh
# Install the Debian packages autograd-mini's optional parts need, where that can be done
# without asking (root with apt-get); otherwise print the one-line install command.
# Usage: ensure-system-deps.sh graphviz [chromium] [cjk]
#   cjk: a Japanese (CJK) font, so figures drawn for Japanese readers (--lang ja) show their
#        text instead of empty boxes: Debian's fonts-noto-cjk (Noto Sans CJK).
set -u
missing=""
for want in "$@"; do
  case "$want" in
    graphviz) command -v dot >/dev/null 2>&1 || missing="$missing graphviz" ;;
    # the browser tests accept either browser name and Debian's /usr/bin/chromedriver
    chromium) { command -v chromium || command -v chromium-browser; } >/dev/null 2>&1 \
                && { command -v chromedriver || [ -x /usr/bin/chromedriver ]; } >/dev/null 2>&1 \
                || missing="$missing chromium chromium-driver" ;;
    cjk) fc-list :lang=ja 2>/dev/null | grep -q . || missing="$missing fonts-noto-cjk" ;;
    *) echo "ensure-system-deps: unknown package group '$want'" >&2; exit 2 ;;
  esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  if apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; then
    case "$missing" in  # matplotlib caches the font list: let it see the new font
      *fonts-noto-cjk*) rm -f "${MPLCONFIGDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/matplotlib}"/fontlist-*.json ;;
    esac
    exit 0
  fi
  echo "apt-get could not install$missing; continuing without it." >&2
else
  echo "Missing system packages:$missing. Install them with: sudo apt-get install$missing" >&2
  echo "(continuing: what needs them is skipped, writes its .dot source only, or shows Japanese text as boxes)" >&2
fi
exit 0
