#!/usr/bin/env bash
# Builds the gateway and the harness, runs a benchmark, stops everything it started, and writes
# bench/results/<run>.md, <run>.json and PNG charts.
#   bench/run.sh quick | full            every scenario (quick: about 15 minutes; full: about 45; most of it is
#                                        load that waits for the JITs to settle before fan-out is measured)
#   bench/run.sh idle|fanout|forwarding|reconnect|follow|slow [--name value ...]   one scenario
#   bench/run.sh micro [JMH options]     JMH micro-benchmarks of the hot paths
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B package -DskipTests -pl benchmarks -am
if [[ "${1:-}" == "micro" ]]; then
  shift
  exec java -cp benchmarks/target/chat-gateway-bench.jar org.openjdk.jmh.Main "$@"
fi
exec java -Xms1g -Xmx4g -jar benchmarks/target/chat-gateway-bench.jar "$@"
