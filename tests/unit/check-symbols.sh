#!/bin/sh
# check-symbols.sh LIBRARY SYMBOL...: the library defines every public SYMBOL
# and no other global symbol (everything exported carries the ptm_ prefix).
library=$1
shift
defined=$(nm -g --defined-only "$library" | awk 'NF == 3 { print $3 }' | sort)
failed=0
passed=0
for symbol in "$@"; do
  if printf '%s\n' "$defined" | grep -qx "$symbol"; then passed=$((passed + 1)); else
    echo "missing public symbol: $symbol"; failed=$((failed + 1)); fi
done
stray=$(printf '%s\n' "$defined" | grep -v '^ptm_' | grep -v '^$')
if [ -n "$stray" ]; then
  echo "exported without the ptm_ prefix:"; printf '%s\n' "$stray" | head -20
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
