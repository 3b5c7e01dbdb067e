#!/usr/bin/env bash
# Runs the JMH suite in one profile and writes benchmarks/results/<profile>.json (JMH's own JSON) and
# benchmarks/results/<profile>.md (the machine, the issue targets, engine against baseline with ratios).
#
#   benchmarks/run.sh quick     the engine's hot paths and pure paths on the three stores, short iterations
#   benchmarks/run.sh full      the quick ones, coupon uploads and the leaderboards (index and SQL at 100k and 1M),
#                               longer iterations
#   benchmarks/run.sh durable   the durable-throughput rows (award, 4 and 16 threads, bulk on H2 and PostgreSQL), long
#                               iterations, for steadier figures than the quick profile's
#
# Further arguments go to JMH (e.g. -prof gc, or -p store=H2). SKIP_BUILD=1 uses the jar already built;
# JAVA_OPTS goes to the JMH launcher's JVM (e.g. -Djmh.ignoreLock=true when another JMH run holds the lock).
set -euo pipefail

profile="${1:-quick}"
shift || true
cd "$(dirname "$0")/.."

store_benchmarks='AwardBenchmark|ConcurrentAwardBenchmark|ManyThreadsAwardBenchmark|BulkAwardBenchmark|DeductBenchmark'
store_benchmarks+='|RedemptionBenchmark'
store_benchmarks+='|ActionBenchmark|CouponBenchmark'
pure_benchmarks='AwardDecisionBenchmark|ReferralCodeBenchmark'

case "$profile" in
  quick)
    include="benchmarks\.(${store_benchmarks}|${pure_benchmarks})\."
    options=(-f 1 -wi 1 -w 1s -i 3 -r 500ms)
    ;;
  full)
    include="benchmarks\.(${store_benchmarks}|${pure_benchmarks}|CouponUploadBenchmark|BoardIndexBenchmark"
    include+='|LeaderboardBenchmark)\.'
    options=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
    ;;
  durable)
    include='benchmarks\.(AwardBenchmark|ConcurrentAwardBenchmark|ManyThreadsAwardBenchmark|BulkAwardBenchmark)\.'
    options=(-f 1 -wi 3 -w 5s -i 5 -r 5s -p store=H2,POSTGRES)
    ;;
  *)
    echo "usage: benchmarks/run.sh quick|full|durable [JMH options...]" >&2
    exit 2
    ;;
esac

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -pl benchmarks -am package -DskipTests
fi

jar=benchmarks/target/benchmarks.jar
results=benchmarks/results
mkdir -p "$results"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
started=$(date +%s)

# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
java ${JAVA_OPTS:-} -jar "$jar" "$include" "${options[@]}" "$@" -rf json -rff "$results/$profile.json"

echo "JMH took $(( $(date +%s) - started )) s"
java -cp "$jar" io.loyaltyengine.benchmarks.report.ResultsReport --json "$results/$profile.json" \
  --md "$results/$profile.md" --profile "$profile" \
  --command "benchmarks/run.sh $profile${*:+ $*}" --load-at-start "$load_at_start"
echo "Wrote $results/$profile.json and $results/$profile.md"
