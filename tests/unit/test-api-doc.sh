#!/bin/bash
# Every method, signal and property in the introspection XML is documented in
# org.pttgw.Gateway1.txt, and the document names nothing the XML lacks.
SRC=${1:?source dir}
xml=$SRC/src/daemon/org.pttgw.Gateway1.xml
doc=$SRC/src/daemon/org.pttgw.Gateway1.txt
rc=0
for n in $(grep -oE '<(method|signal|property) name="[A-Za-z]+"' "$xml" | sed 's/.*name="//;s/"//'); do
	grep -qE "^[a-z0-9]+ ${n}\(|^${n}\(|^[a-z0-9]+ ${n} \[" "$doc" || { echo "undocumented: $n"; rc=1; }
done
for n in $(grep -oE '^([a-z0-9]+ )?[A-Z][A-Za-z]+(\(| \[readonly)' "$doc" | sed -E 's/^[a-z0-9]+ //;s/(\(| \[readonly)$//'); do
	grep -q "name=\"$n\"" "$xml" || { echo "documented but not in the XML: $n"; rc=1; }
done
[ $rc -eq 0 ] && echo "API document and introspection XML agree"
exit $rc
