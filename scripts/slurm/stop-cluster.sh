#!/usr/bin/env bash
# Stops a cluster started by start-cluster.sh <dir>: slurmd, slurmctld and munged, by their pid files.
# Running jobs die with slurmd's steps. Leaves <dir> in place (logs); the caller deletes it.
set -uo pipefail
dir=${1:?usage: stop-cluster.sh <dir>}

stop() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
}

if [ -f "$dir/slurm.conf" ]; then
  # Cancel what still runs so that job steps do not outlive slurmd.
  SLURM_CONF="$dir/slurm.conf" scancel --full --quiet --user=root 2>/dev/null || true
fi
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munge/munged.pid"
exit 0
