#!/bin/bash
# A real Slurm run of a clipcanvas batch on this machine: installs Debian's slurm-wlm when it is
# missing, starts a one-node cluster on localhost (slurmctld and slurmd run directly as daemons,
# no systemd; auth/none, so no munge), submits Samples/cluster/clipcanvas-array.sbatch as a job
# array for JOBS, waits for it, checks that every array task completed with status 0 and that
# every job of JOBS has its result, and stops the daemons however the script ends.
#
#   Tests/cluster/slurm_batch_test.sh JOBS.jsonl OUT_DIR [ARRAY]     (ARRAY: default 0-3)
#
# CLIPCANVAS names the binary (default .build/release/clipcanvas); the array tasks run from the
# current folder and inherit this environment. `make slurm-test` runs it on the tiny test model
# (Tests/CLITests/SlurmArrayTests.swift). Needs root (slurmd) and ports 16817-16818 (override
# with SLURM_TEST_PORT, which takes two consecutive ports). Prints how long each stage took.
set -euo pipefail

jobs=${1:?usage: slurm_batch_test.sh JOBS.jsonl OUT_DIR [ARRAY]}
out=${2:?usage: slurm_batch_test.sh JOBS.jsonl OUT_DIR [ARRAY]}
array=${3:-0-3}
here=$(cd "$(dirname "$0")/../.." && pwd)
export CLIPCANVAS=${CLIPCANVAS:-$here/.build/release/clipcanvas}
port=${SLURM_TEST_PORT:-16817}
timeout=${SLURM_TEST_TIMEOUT:-600}
started=$(date +%s%N)
elapsed() {
    local tenths=$((($(date +%s%N) - started) / 100000000))
    echo "$((tenths / 10)).$((tenths % 10)) s"
}
say() { echo "slurm-test [$(elapsed)]: $*"; }
fail() { echo "slurm-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "slurmd must run as root here (run as root, or in a container)"
[ -x "$CLIPCANVAS" ] || fail "no clipcanvas binary at $CLIPCANVAS (swift build -c release)"
if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null; then
    say "installing slurm-wlm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm > /dev/null
fi

state=$(mktemp -d /tmp/clipcanvas-slurm.XXXXXX)
stop() {
    for daemon in slurmd slurmctld; do
        if [ -s "$state/$daemon.pid" ]; then kill "$(cat "$state/$daemon.pid")" 2> /dev/null || true; fi
    done
    # Wait for them to go, so that the ports are free for the next run.
    for _ in $(seq 50); do
        alive=0
        for daemon in slurmd slurmctld; do
            if [ -s "$state/$daemon.pid" ] && kill -0 "$(cat "$state/$daemon.pid")" 2> /dev/null; then alive=1; fi
        done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    if [ "${keep_state:-0}" = 1 ]; then echo "slurm-test: logs kept in $state"; else rm -rf "$state"; fi
}
trap stop EXIT

# The node as slurmd sees this machine (CPUs, memory), named localhost.
hardware=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //')
mkdir -p "$state/spool" "$state/save"
export SLURM_CONF=$state/slurm.conf
cat > "$SLURM_CONF" << CONF
ClusterName=clipcanvas-test
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/none
CredType=cred/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$state/save
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ReturnToService=2
MinJobAge=600
NodeName=localhost NodeHostname=$(hostname) NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

say "starting slurmctld and slurmd ($state)"
slurmctld -f "$SLURM_CONF" || { keep_state=1; fail "slurmctld did not start"; }
slurmd -f "$SLURM_CONF" -N localhost || { keep_state=1; fail "slurmd did not start"; }
for _ in $(seq 100); do
    if sinfo -h -N -o '%T' 2> /dev/null | grep -qx idle; then break; fi
    sleep 0.1
done
sinfo -h -N -o '%T' | grep -qx idle || { keep_state=1; fail "the node did not come up: $(sinfo -N 2>&1)"; }
say "cluster up: $(sinfo -h -N -o '%N %c CPUs %T')"

# The sample script asks for a real cluster's node share; here each task gets one CPU and 1 GB
# (options on the command line override the script's #SBATCH lines).
job=$(sbatch --parsable --array="$array" --cpus-per-task=1 --mem=1G --output="$state/task-%a.log" \
    "$here/Samples/cluster/clipcanvas-array.sbatch" "$jobs" "$out")
say "submitted array job $job (--array=$array)"
deadline=$(($(date +%s) + timeout))
while squeue -h -j "$job" 2> /dev/null | grep -q .; do
    [ "$(date +%s)" -lt "$deadline" ] || { keep_state=1; scancel "$job"; fail "the array did not finish within $timeout s"; }
    # A reason the job can never run on this node: say so now rather than at the timeout.
    reason=$(squeue -h -j "$job" -t PD -o '%r' 2> /dev/null | grep -E 'PartitionConfig|BadConstraints|ReqNodeNotAvail|InvalidQOS|PartitionNodeLimit' | head -1 || true)
    [ -z "$reason" ] || { keep_state=1; scancel "$job"; fail "Slurm cannot run the array here: $reason"; }
    sleep 0.5
done
say "array job $job finished"

# Every task: COMPLETED with exit code 0:0 (scontrol keeps finished jobs for MinJobAge).
tasks=$(scontrol -o show job "$job" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | sed -e 's/JobState=\([A-Z]*\).*ExitCode=\([0-9:]*\)/\1 \2/')
echo "$tasks" | sed 's/^/  task: /'
expected=$(scontrol -o show job "$job" | wc -l)
[ "$(echo "$tasks" | grep -c '^COMPLETED 0:0$')" = "$expected" ] || {
    keep_state=1
    cat "$state"/task-*.log >&2
    fail "not every array task completed with status 0"
}
for log in "$state"/task-*.log; do sed "s/^/  $(basename "$log" .log): /" "$log"; done

# Every job of the batch has its result.
"$CLIPCANVAS" batch status "$out"
ids=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$jobs")
for id in $ids; do
    [ -s "$out/$id/result.json" ] || fail "job $id has no result.json"
done
say "all $(echo "$ids" | wc -w) jobs done over $expected array tasks"
