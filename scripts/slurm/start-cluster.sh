#!/usr/bin/env bash
# Starts a private one-node Slurm cluster (munged, slurmctld, slurmd on this machine) for tests.
# Usage: start-cluster.sh <dir>. Everything lives under <dir>: slurm.conf, the munge key and
# socket, state, spool, logs and pid files; the ports are free ones picked at start, so it does not
# touch a system Slurm or another test's cluster. Point clients at it with SLURM_CONF=<dir>/slurm.conf.
# Needs root (slurmd launches jobs); installs Debian's slurmctld, slurmd, slurm-client and munge where
# missing. Exits 2 when Slurm cannot be started here (not root, no apt-get), 1 on any other failure.
# Stop it with stop-cluster.sh <dir>.
set -euo pipefail

dir=${1:?usage: start-cluster.sh <dir>}
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "start-cluster: needs root (slurmd launches the jobs)" >&2
  exit 2
fi

PACKAGES=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "start-cluster: missing ${missing[*]} and no apt-get to install them" >&2
    exit 2
  fi
  echo "start-cluster: installing ${missing[*]}" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"; } >&2; then
    echo "start-cluster: cannot install ${missing[*]}" >&2
    exit 2
  fi
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"
# Whatever fails from here on, stop what was started.
trap 'bash "$here/stop-cluster.sh" "$dir"' ERR

# A fresh munge key and a private munged.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"

# Two free TCP ports for slurmctld and slurmd.
read -r ctld_port slurmd_port < <(python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(('127.0.0.1', 0))
print(*[s.getsockname()[1] for s in ss])
PY
)

# The node as slurmd sees it (CPUs, sockets, cores, threads, memory).
hw=$(slurmd -C | head -1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')
cpus=$(echo "$hw" | tr ' ' '\n' | sed -n 's/^CPUs=//p')

cat >"$dir/slurm.conf" <<CONF
# One-node test cluster written by scripts/slurm/start-cluster.sh
ClusterName=ireg-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job waits this long before it may start again (Slurm revokes the old
# credential until then; forcing an earlier start fails the task). 120 s by default; 5 is the least.
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# A container: no cgroups.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
KillWait=10
MinJobAge=300
InactiveLimit=0
NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost

# Wait until the node is idle.
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
  if [ "$state" = idle ]; then
    echo "start-cluster: node idle ($cpus CPUs); SLURM_CONF=$SLURM_CONF" >&2
    exit 0
  fi
  sleep 0.5
done
echo "start-cluster: the node did not become idle (state: ${state:-none}); logs in $dir/log" >&2
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
bash "$here/stop-cluster.sh" "$dir"
exit 1
