#!/usr/bin/env bash
# Fuzzes the project's Jazzer fuzz tests for longer than the suite's 5 s each.
#
#   fuzz/run.sh                      every fuzz test, 60 s each
#   fuzz/run.sh 600                  every fuzz test, 10 minutes each
#   fuzz/run.sh 300 FrameCodecFuzzTest JwtVerifierFuzzTest
#
# Each test grows the same corpus the suite replays (<module>/.cifuzz-corpus/<class>/<method>).
# A finding stops that test, is written to fuzz/findings/, and makes the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
wanted=("$@")

./mvnw -q -B install -DskipTests
mkdir -p fuzz/findings
status=0
for module in chat-service-client gateway-server; do
  mapfile -t tests < <(grep -rl '@FuzzTest' "$module/src/test/java" | sort)
  [ "${#tests[@]}" -eq 0 ] && continue
  ./mvnw -q -B -o -pl "$module" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/fuzz-classpath.txt >/dev/null
  classpath="$module/target/test-classes:$module/target/classes:$(cat "$module/target/fuzz-classpath.txt")"
  for file in "${tests[@]}"; do
    class="$(basename "$file" .java)"
    if [ "${#wanted[@]}" -gt 0 ] && [[ ! " ${wanted[*]} " =~ " ${class} " ]]; then
      continue
    fi
    fqcn="$(sed -n 's/^package \(.*\);/\1/p' "$file").$class"
    method="$(grep -A1 '@FuzzTest' "$file" | sed -n 's/.*void \([A-Za-z0-9_]*\)(.*/\1/p' | head -1)"
    corpus="$module/.cifuzz-corpus/$fqcn/$method"
    mkdir -p "$corpus"
    echo "== $class.$method for ${seconds}s (corpus $corpus)"
    if ! java -Xmx512m -cp "$classpath" com.code_intelligence.jazzer.Jazzer \
        --target_class="$fqcn" --target_method="$method" \
        --instrumentation_includes='io.chatgateway.**:com.google.protobuf.**:com.nimbusds.**' \
        -max_total_time="$seconds" -artifact_prefix="fuzz/findings/$class-" "$corpus" 2>&1 \
        | grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'; then
      status=1
    fi
  done
done
exit "$status"
