#!/bin/sh
# Reproduces NotoSansCJKsc-Regular.han.otf, the font the PDF module embeds.
#
# Source: Debian package fonts-noto-cjk (1:20220127+repack1-1), face 2 of
# /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ("Noto Sans CJK SC"), SIL OFL 1.1.
# Needs fontTools: `pip install fonttools brotli`.
#
# Kept: every Han character the face has (URO, Ext A, Ext B–H, compatibility ideographs and their
# supplement, radicals), ASCII and Latin-1, Greek and Cyrillic, general punctuation, the symbol
# blocks forms use (numbers ①, Ⅻ, arrows, math, boxes, □ ■ ☐ ☑), CJK punctuation, kana (・),
# bopomofo, enclosed CJK, CJK compatibility (㎡), vertical and small forms, full-width forms, and
# every non-Han character of GB2312 (taken from Python's own gb2312 codec).
# Hinting is dropped (PDF viewers do not need it); only the layout features horizontal Chinese
# text uses are kept.
set -eu

SRC=${1:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
OUT=${2:-$(dirname "$0")/NotoSansCJKsc-Regular.han.otf}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The non-Han characters of GB2312 (rows 1-9), one code point per line.
python3 - "$TMP/gb2312-symbols.txt" <<'PY'
import sys
points = set()
for row in range(0xA1, 0xAA):
    for cell in range(0xA1, 0xFF):
        try:
            ch = bytes([row, cell]).decode("gb2312")
        except UnicodeDecodeError:
            continue
        points.add(ord(ch))
with open(sys.argv[1], "w") as out:
    for p in sorted(points):
        out.write("U+%04X\n" % p)
PY

RANGES="U+0020-007E,U+00A0-00FF,U+0100-024F,U+02B0-02FF,U+0370-03FF,U+0400-045F"
RANGES="$RANGES,U+2000-206F,U+2070-209F,U+20A0-20CF,U+2100-218F,U+2190-21FF,U+2200-22FF"
RANGES="$RANGES,U+2300-23FF,U+2460-24FF,U+2500-257F,U+2580-259F,U+25A0-25FF,U+2600-26FF,U+2700-27BF"
RANGES="$RANGES,U+2E80-2EFF,U+2F00-2FDF,U+2FF0-2FFF,U+3000-303F,U+3040-30FF,U+3100-312F,U+31A0-31BF"
RANGES="$RANGES,U+31C0-31EF,U+3200-32FF,U+3300-33FF,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF"
RANGES="$RANGES,U+FE10-FE1F,U+FE30-FE4F,U+FE50-FE6F,U+FF00-FFEF"
RANGES="$RANGES,U+20000-2A6DF,U+2A700-2EBEF,U+2EBF0-2EE5F,U+2F800-2FA1F,U+30000-323AF"

pyftsubset "$SRC" \
    --font-number=2 \
    --unicodes="$RANGES" \
    --unicodes-file="$TMP/gb2312-symbols.txt" \
    --no-hinting \
    --layout-features=kern,liga,fwid,hwid,halt,palt \
    --name-IDs='*' \
    --name-languages='*' \
    --output-file="$OUT"

ls -l "$OUT"
