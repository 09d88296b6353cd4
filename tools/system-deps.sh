#!/bin/sh
# Check (and, as root with apt, install) the system packages qillqa needs.
# `system-deps.sh` is for building (WeasyPrint's libraries); `system-deps.sh test`
# adds the tools the test suite runs (GNU gettext's msgfmt). Safe to run again.
set -eu

# Debian package -> shared library it provides.
PACKAGES="libpango-1.0-0:libpango-1.0.so.0 libpangoft2-1.0-0:libpangoft2-1.0.so.0 libharfbuzz0b:libharfbuzz.so.0 libfontconfig1:libfontconfig.so.1"
# The CMYK ICC profile of print-shop (PDF/X-4) builds.
PACKAGES="$PACKAGES libgs-common:file:/usr/share/color/icc/ghostscript/default_cmyk.icc"
# Optional: makes WeasyPrint's font subsetting about five times faster.
OPTIONAL="libharfbuzz-subset0:libharfbuzz-subset.so.0"

have() {
    case "$1" in
        bin:*) command -v "${1#bin:}" >/dev/null 2>&1 ;;
        file:*) [ -f "${1#file:}" ] ;;
        *) ldconfig -p 2>/dev/null | grep -q "$1" ;;
    esac
}

if [ "${1:-}" = test ]; then
    # msgfmt checks the catalogues; a private CUPS scheduler with a PDF printer tests printing.
    PACKAGES="$PACKAGES gettext:bin:msgfmt cups:file:/usr/sbin/cupsd cups-client:bin:lp"
    PACKAGES="$PACKAGES cups-ipp-utils:bin:ipptool printer-driver-cups-pdf:file:/usr/lib/cups/backend/cups-pdf"
    # The preview is tested in a real browser: Debian's Chromium, driven by Playwright.
    PACKAGES="$PACKAGES chromium:file:/usr/bin/chromium"
fi

missing=""
for entry in $PACKAGES; do
    have "${entry#*:}" || missing="$missing ${entry%%:*}"
done
optional=""
for entry in $OPTIONAL; do
    have "${entry#*:}" || optional="$optional ${entry%%:*}"
done

if [ -z "$missing$optional" ]; then
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system libraries for WeasyPrint:$missing$optional" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends $missing $optional >/dev/null 2>&1; then
        apt-get update -qq >/dev/null
        if ! apt-get install -y --no-install-recommends $missing $optional >/dev/null; then
            # The optional library may not exist on older releases; the rest must install.
            [ -z "$missing" ] || apt-get install -y --no-install-recommends $missing >/dev/null
        fi
    fi
    exit 0
fi

if [ -n "$missing" ]; then
    echo "WeasyPrint needs system libraries that are missing. On Debian or Ubuntu, run:" >&2
    echo "    sudo apt-get install$missing" >&2
    exit 1
fi
echo "Optional: 'sudo apt-get install$optional' makes PDF writing faster." >&2
