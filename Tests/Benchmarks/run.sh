#!/usr/bin/env bash
# livejobs benchmark: every figure is a ratio against plain SQLite measured in the same run,
# so it means the same on any machine. Wall time and peak memory come from /usr/bin/time -v;
# each figure is the median of BENCH_RUNS runs. Usage: make bench  (or Tests/Benchmarks/run.sh)
# BENCH_ONLY=fetch (or import, report; comma-separated) runs only those parts; BENCH_BIN=DIR
# measures the binaries in DIR instead of .build/release (to compare two builds on one machine).
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${BENCH_RUNS:-3}
IMPORT_JOBS=${BENCH_IMPORT_JOBS:-200000}
SMALL_JOBS=${BENCH_SMALL_JOBS:-20000}
REPORT_JOBS=${BENCH_REPORT_JOBS:-1000000}
BIN=${BENCH_BIN:-.build/release}
ONLY=${BENCH_ONLY:-import,report,fetch}
want() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
WORK=${BENCH_DIR:-.build/bench}
mkdir -p "$WORK"

for tool in sqlite3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ -x "$BIN/livejobs" ] || { echo "bench: build first: make build" >&2; exit 1; }

# measure NAME -- COMMAND...: runs COMMAND (after BEFORE, if set, outside the timing) and records
# wall seconds and peak RSS (KiB) of the median run in $WALL and $RSS.
measure() {
    local walls=() rsses=()
    for _ in $(seq "$RUNS"); do
        [ -n "${BEFORE:-}" ] && eval "$BEFORE"
        /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
            echo "bench: failed: $*" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")")
        rsses+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")")
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS=$(printf '%s\n' "${rsses[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}

# generated N SEED: makes $WORK/jobs-N.jsonl with this build's generator, unless the file there
# was made by a generator that makes the same jobs: a set of 1,000 jobs it makes is kept beside the
# file and compared, so data is made again exactly when the generator changed what it makes.
generated() {
    local f="$WORK/jobs-$1.jsonl" probe="$WORK/jobs-$1.probe"
    "$BIN/metastudio-sim" generate --jobs 1000 --seed "$2" --format jsonl --out "$probe.new"
    if [ -s "$f" ] && [ -s "$probe" ] && cmp -s "$probe" "$probe.new"; then rm -f "$probe.new"; return 0; fi
    rm -f "$f" "$probe"
    "$BIN/metastudio-sim" generate --jobs "$1" --seed "$2" --format jsonl --out "$f"
    mv "$probe.new" "$probe"
}

ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, (b > 0 ? a / b : 0) }'; }

echo "livejobs benchmark ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, median of $RUNS runs)"

# ---- import: livejobs vs the sqlite3 shell loading the same JSON Lines through its JSON functions
if want import; then
for n in "$SMALL_JOBS" "$IMPORT_JOBS"; do generated "$n" 7; done
cat > "$WORK/baseline-import.sql" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE raw (line TEXT);
CREATE TABLE jobs (job_id TEXT PRIMARY KEY, room_id TEXT, room_name TEXT, state TEXT, duration REAL,
    stream_duration REAL, start_time TEXT, end_time TEXT, create_time TEXT, lastupdate_time TEXT,
    error_code TEXT, error_msg TEXT, block_reason TEXT, raw_json TEXT);
.mode ascii
.separator "\037" "\n"
.import $WORK/jobs-$IMPORT_JOBS.jsonl raw
INSERT OR REPLACE INTO jobs SELECT line ->> 'job_id', line ->> 'room_id', line ->> 'room_name', line ->> 'state',
    line ->> 'duration', line ->> 'stream_duration', line ->> 'start_time', line ->> 'end_time',
    line ->> 'create_time', line ->> 'lastupdate_time', line ->> '$.error_info.error_code',
    line ->> '$.error_info.error_msg', line ->> 'block_reason', json(line) FROM raw;
DROP TABLE raw;
SQL
BEFORE="rm -f $WORK/base.sqlite*" measure sqlite3 "$WORK/base.sqlite" ".read $WORK/baseline-import.sql"
base_wall=$WALL
BEFORE="rm -f $WORK/lj.sqlite*" measure "$BIN/livejobs" import --db "$WORK/lj.sqlite" "$WORK/jobs-$IMPORT_JOBS.jsonl"
lj_wall=$WALL; lj_rss=$RSS
BEFORE="rm -f $WORK/small.sqlite*" measure "$BIN/livejobs" import --db "$WORK/small.sqlite" "$WORK/jobs-$SMALL_JOBS.jsonl"
small_rss=$RSS
echo
echo "import of $IMPORT_JOBS jobs (JSON Lines, $(du -m "$WORK/jobs-$IMPORT_JOBS.jsonl" | cut -f1) MB)"
echo "  sqlite3 shell, JSON functions: ${base_wall}s"
echo "  livejobs import:               ${lj_wall}s, peak $((lj_rss / 1024)) MB (at $SMALL_JOBS jobs: $((small_rss / 1024)) MB)"
echo "  RATIO import time livejobs/sqlite3:            $(ratio "$lj_wall" "$base_wall")   (target <= 1.00)"
echo "  RATIO peak memory ${IMPORT_JOBS}/${SMALL_JOBS} jobs:          $(ratio "$lj_rss" "$small_rss")   (target <= 1.50; peak < 100 MB)"
fi

# ---- report: livejobs report vs the sqlite3 shell running the report queries as they were before
# the figures were kept in usage_rollup (Tests/Benchmarks/baseline-queries: every job-day joined to
# its jobs row), and vs the sqlite3 shell running today's bundled queries (what Swift adds).
if want report; then
generated "$REPORT_JOBS" 11
f="$WORK/jobs-$REPORT_JOBS.jsonl"
# The database is imported again whenever its jobs were made again.
if [ ! -s "$WORK/report.sqlite" ] || [ "$f" -nt "$WORK/report.sqlite" ]; then
    rm -f "$WORK/report.sqlite" "$WORK/report.sqlite-wal" "$WORK/report.sqlite-shm"
    "$BIN/livejobs" import --db "$WORK/report.sqlite" "$f" >/dev/null
fi
# A database kept from an earlier build is upgraded before anything is timed.
"$BIN/livejobs" zones --db "$WORK/report.sqlite" >/dev/null
sqlite3 "$WORK/report.sqlite" "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;" >/dev/null
month=$(sqlite3 "$WORK/report.sqlite" "SELECT substr(MAX(day),1,7) FROM job_day_usage WHERE tz='UTC' AND is_home=1")
# script DIR [ONLY]: the sqlite3 shell script that runs DIR's report queries for $month in UTC (with
# their parameters' defaults), those of the names in folder ONLY alone when it is given; a query
# calling livejobs' own SQL functions (zone_instant, local_instant) is left out: the shell lacks them.
script() {
    echo ".parameter init"
    echo ".parameter set :month \"'$month'\""
    echo ".parameter set :tz \"'UTC'\""
    for q in $(grep -l '^-- report:' "$1"/*.sql | sort); do
        if [ -n "${2:-}" ] && [ ! -e "$2/$(basename "$q")" ]; then continue; fi
        if grep -q 'zone_instant\|local_instant' "$q"; then continue; fi
        sed -n "s/^-- param: \([a-z_]*\) [a-z]* default=\([^ ]*\).*/.parameter set :\1 \2/p" "$q" | grep -v -e ':tz ' -e ':month ' || true
        echo ".print == $(basename "$q")"; echo ".read $q"
    done
}
script Tests/Benchmarks/baseline-queries > "$WORK/baseline-report.sql"
script queries > "$WORK/bundled-report.sql"
script queries Tests/Benchmarks/baseline-queries > "$WORK/same-report.sql"
BEFORE="" measure sqlite3 -readonly "$WORK/report.sqlite" ".read $WORK/baseline-report.sql"
base_wall=$WALL
BEFORE="" measure sqlite3 -readonly "$WORK/report.sqlite" ".read $WORK/bundled-report.sql"
same_wall=$WALL
BEFORE="rm -rf $WORK/report-out" measure "$BIN/livejobs" report --db "$WORK/report.sqlite" --month "$month" --out "$WORK/report-out" --queries queries
lj_wall=$WALL
# The same figures, to the last digit: both sets of queries print the same rows.
sqlite3 -readonly "$WORK/report.sqlite" ".read $WORK/baseline-report.sql" > "$WORK/baseline-report.txt"
sqlite3 -readonly "$WORK/report.sqlite" ".read $WORK/same-report.sql" > "$WORK/bundled-report.txt"
if cmp -s "$WORK/baseline-report.txt" "$WORK/bundled-report.txt"; then same="yes"; else same="NO (diff $WORK/baseline-report.txt $WORK/bundled-report.txt)"; fi
echo
echo "report for $month over $REPORT_JOBS jobs ($(grep -l '^-- report:' queries/*.sql | wc -l) queries)"
echo "  sqlite3 shell, queries before the rollup: ${base_wall}s"
echo "  sqlite3 shell, bundled queries:           ${same_wall}s (those it can run: not the warnings, which call livejobs' zone functions)"
echo "  livejobs report:                          ${lj_wall}s"
echo "  same figures as the queries before the rollup: $same"
echo "  RATIO report time livejobs/sqlite3 before the rollup:  $(ratio "$lj_wall" "$base_wall" 3)   (target <= 0.100)"
# At a tenth of a second, starting the process and writing the Markdown, CSV and SVG files weigh as
# much as the queries: this ratio says what Swift adds, for the record.
echo "  RATIO report time livejobs/sqlite3 same queries:       $(ratio "$lj_wall" "$same_wall")   (for the record)"
fi

# ---- fetch: livejobs fetch against metastudio-sim (20 ms latency per request, 20,000 jobs)
want fetch || exit 0
FETCH_JOBS=${BENCH_FETCH_JOBS:-20000}
SIM_PID=""
stop_sim() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null; SIM_PID=""; }
trap stop_sim EXIT
# start_sim ARGS...: starts the simulator on a free loopback port and sets $SIM_URL.
start_sim() {
    stop_sim
    "$BIN/metastudio-sim" serve --host 127.0.0.1 --port 0 --generate "$FETCH_JOBS" --seed 5 --latency-ms 20 --token bench "$@" \
        > "$WORK/sim.out" 2> "$WORK/sim.err" &
    SIM_PID=$!
    for _ in $(seq 100); do
        SIM_URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/sim.out" | head -1 || true)
        [ -n "$SIM_URL" ] && return 0
        sleep 0.1
    done
    echo "bench: the simulator did not start" >&2; cat "$WORK/sim.err" >&2; exit 1
}
# fetch_once NAME ARGS...: a full fetch into a fresh database; wall seconds in $WALL.
fetch_once() {
    rm -f "$WORK/fetch.sqlite"*
    local start end
    start=$(date +%s.%N)
    METASTUDIO_AUTH_TOKEN=bench "$BIN/livejobs" fetch --db "$WORK/fetch.sqlite" --endpoint "$SIM_URL" \
        --project-id 0123456789abcdef0123456789abcdef --full "$@" > "$WORK/fetch.out" 2> "$WORK/fetch.err" || {
        echo "bench: fetch failed: $*" >&2; cat "$WORK/fetch.err" >&2; exit 1; }
    end=$(date +%s.%N)
    WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
}
stats() { curl -s "$SIM_URL/_sim/stats"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

start_sim
# Runs of about a second are at the mercy of a busy machine: more of them, and the two modes
# alternate so that a slow minute weighs on both alike.
seq_walls=() par_walls=()
for _ in $(seq "${BENCH_FETCH_RUNS:-5}"); do
    fetch_once --sequential --rate 0; seq_walls+=("$WALL")
    fetch_once --concurrency 8 --rate 0; par_walls+=("$WALL")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seq_wall=$(median "${seq_walls[@]}")
par_wall=$(median "${par_walls[@]}")
echo
echo "fetch of $FETCH_JOBS jobs, 20 ms latency, no throttle (fetched and stored)"
echo "  sequential pager (--sequential):    ${seq_wall}s"
echo "  livejobs --concurrency 8:            ${par_wall}s"
echo "  RATIO speed-up concurrent/sequential:           $(ratio "$seq_wall" "$par_wall")x  (target >= 8)"

for limit in 20 10; do
    start_sim --throttle "$limit"
    fetch_once
    s=$(stats)
    ok_rate=$(echo "$s" | field okPerSecond)
    throttled=$(echo "$s" | field throttled)
    requests=$(echo "$s" | field requests)
    echo
    echo "fetch under a $limit req/s throttle, default settings (adaptive rate), ${WALL}s"
    echo "  RATIO sustained page rate / throttle:          $(ratio "$ok_rate" "$limit")   (target >= 0.85)"
    echo "  RATIO requests answered 429:                   $(ratio "$throttled" "$requests")   (target <= 0.05; $throttled of $requests)"
done

start_sim --error-rate 0.10 --truncate-rate 0.05 --insert-during-scan 50
fetch_once --concurrency 8 --rate 0
stored=$(sqlite3 "$WORK/fetch.sqlite" "SELECT count(*) FROM jobs")
distinct=$(sqlite3 "$WORK/fetch.sqlite" "SELECT count(DISTINCT job_id) FROM jobs")
s=$(stats)
echo
echo "fetch with 10% 5xx, 5% truncated bodies, 50 jobs inserted mid-scan: ${WALL}s"
echo "  served $(echo "$s" | field serverErrors) errors and $(echo "$s" | field truncated) truncated bodies"
echo "  jobs stored: $stored, distinct: $distinct, expected: $((FETCH_JOBS + 50))   $( [ "$stored" = $((FETCH_JOBS + 50)) ] && [ "$distinct" = "$stored" ] && echo OK || echo MISMATCH)"
stop_sim
