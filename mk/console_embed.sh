#!/bin/sh
# mk/console_embed.sh FILE... - the console's files (src/server/console/) as C byte arrays, for
# src/server/h_console.c (mk/console.mk writes the output to build/gen/console_assets.h).
# Bytes, not string literals: the files may hold anything a C string could not (trigraphs such as
# JavaScript's `??(`, backslashes, lines of any length). Each array ends with a NUL that the
# size leaves out.
set -eu
echo '/* generated from src/server/console/ by mk/console_embed.sh; do not edit */'
n=0
for f in "$@"; do
    echo "static const unsigned char console_file_$n[] = {"
    od -An -v -tx1 "$f" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/    /'
    echo '    0x00};'
    n=$((n + 1))
done
echo 'static const console_file console_files[] = {'
n=0
for f in "$@"; do
    echo "    {\"$(basename "$f")\", console_file_$n, sizeof(console_file_$n) - 1},"
    n=$((n + 1))
done
echo '};'
