#!/usr/bin/env bash
# Builds the benchmark jar and runs a scenario; results go to bench/results/.
#   bench/run.sh forwarding [--calls N] [--concurrency C] [--rounds R]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B package -DskipTests -pl benchmarks -am
exec java -Xms1g -Xmx1g -jar benchmarks/target/chat-gateway-bench.jar "$@"
