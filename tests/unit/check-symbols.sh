#!/bin/sh
# check-symbols.sh LIBRARY HEADER SYMBOL...: the library defines every public
# SYMBOL (the list CMakeLists.txt keeps global) and no other global symbol
# (everything exported carries the ptm_ prefix), and every function HEADER
# declares is in that list (a new API function cannot be left hidden).
library=$1
header=$2
shift 2
defined=$(nm -g --defined-only "$library" | awk 'NF == 3 { print $3 }' | sort)
failed=0
passed=0
for declared in $(sed -nE 's/^(const )?[a-z_0-9]+ \**(ptm_[a-z_]+)\(.*/\2/p' "$header"); do
  case " $* " in
    *" $declared "*) passed=$((passed + 1)) ;;
    *) echo "declared in $header but not kept public: $declared"; failed=$((failed + 1)) ;;
  esac
done
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
