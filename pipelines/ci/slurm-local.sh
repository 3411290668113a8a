#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A one-node SLURM cluster on localhost, for CI and for trying the workflow on one machine.
#
#   pipelines/ci/slurm-local.sh start    start munged, slurmctld and slurmd; wait for an idle node
#   pipelines/ci/slurm-local.sh stop     stop the daemons this script started (by their pid files)
#   pipelines/ci/slurm-local.sh status   say what runs, and show sinfo
#   pipelines/ci/slurm-local.sh env      print 'export SLURM_CONF=...' for eval in a shell
#
# It installs nothing: slurm-wlm and munge come from scripts/packages.txt (scripts/setup.sh).
# It needs root (munged runs as the munge user, the SLURM daemons as root). Everything it
# writes lives in one state folder, LM_SLURM_DIR (default /var/tmp/lumen-slurm): slurm.conf,
# logs, pid files, the controller's state and slurmd's spool; /etc is left alone except
# /etc/munge/munge.key, which is created only when missing. Clients (sbatch, squeue, sinfo,
# scontrol) find the cluster through SLURM_CONF=$LM_SLURM_DIR/slurm.conf.
#
# Settings, measured on Debian 12 with slurm-wlm 22.05 without systemd, cgroups or slurmdbd:
# linuxproc process tracking, no task plugin, no accounting; cons_tres with CR_Core_Memory and
# a DefMemPerCPU, so that jobs share the node's cores and memory; the node's CPUs and memory
# taken from `slurmd -C` (a node that claims more than it has is drained); batch_sched_delay=0
# (jobs start in about a second); MinJobAge long enough for the workflow's status queries
# (there is no accounting database to ask once a job has left the controller's memory).
#
# Environment: LM_SLURM_DIR (state folder), LM_SLURM_PORT (slurmctld port, default 6817;
# slurmd uses the next one), LM_SLURM_MEM_PER_CPU (DefMemPerCPU in MB, default 1000),
# LM_SLURM_PARTITION (partition name, default debug).
set -euo pipefail

DIR=${LM_SLURM_DIR:-/var/tmp/lumen-slurm}
PORT=${LM_SLURM_PORT:-6817}
MEMPERCPU=${LM_SLURM_MEM_PER_CPU:-1000}
PARTITION=${LM_SLURM_PARTITION:-debug}
CONF=$DIR/slurm.conf
MUNGE_PID=/run/munge/munged.pid
export SLURM_CONF=$CONF

die() {
  echo "slurm-local: error: $*" >&2
  exit 1
}
say() { echo "slurm-local: $*" >&2; }

# alive PIDFILE: the pid in the file names a running process (a zombie counts as dead).
alive() {
  local pid state
  [ -s "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

need_tools() {
  local t miss=()
  for t in munged slurmctld slurmd sinfo scontrol runuser; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || miss+=("$t")
  done
  [ ${#miss[@]} -eq 0 ] ||
    die "missing ${miss[*]}: install slurm-wlm and munge (scripts/setup.sh installs scripts/packages.txt)"
  [ "$(id -u)" -eq 0 ] || die "needs root (munged runs as the munge user, slurmd as root)"
}

start_munge() {
  if alive "$MUNGE_PID"; then
    say "munged already runs (pid $(cat $MUNGE_PID)); using it"
    return
  fi
  id munge >/dev/null 2>&1 || die "no munge user (is the munge package installed?)"
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    (umask 077 && dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none)
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  fi
  # No service manager here creates the runtime and log folders.
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged --force ||
    die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do
    alive "$MUNGE_PID" && [ -S /run/munge/munge.socket.2 ] && break
    sleep 0.1
  done
  alive "$MUNGE_PID" || die "munged did not start (see /var/log/munge/munged.log)"
  touch "$DIR/munged.ours" # stop only the munged this script started
}

write_conf() {
  local hw cpus boards sockets cores threads mem
  hw=$(/usr/sbin/slurmd -C | head -1) || die "slurmd -C failed"
  field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$hw"; }
  cpus=$(field CPUs)
  boards=$(field Boards)
  sockets=$(field SocketsPerBoard)
  cores=$(field CoresPerSocket)
  threads=$(field ThreadsPerCore)
  mem=$(field RealMemory)
  if [ -z "$cpus" ] || [ -z "$mem" ]; then
    die "cannot read CPUs and RealMemory from 'slurmd -C': $hw"
  fi
  # Claim a little less memory than the machine reports: a node claiming more is drained.
  mem=$((mem * 95 / 100))
  local tmp=$CONF.tmp
  cat >"$tmp" <<EOF
# Written by pipelines/ci/slurm-local.sh; rewritten on every start.
ClusterName=lumen
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$MEMPERCPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MinJobAge=3600
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus Boards=${boards:-1} SocketsPerBoard=${sockets:-1} CoresPerSocket=${cores:-$cpus} ThreadsPerCore=${threads:-1} RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$tmp" "$CONF"
}

node_state() { sinfo -h -n localhost -o %T 2>/dev/null | head -1; }

wait_idle() {
  local st=""
  for _ in $(seq 150); do
    st=$(node_state || true)
    case $st in
      idle | mixed | allocated) return 0 ;;
      drain* | down*)
        # A node drained by an earlier run stays drained in the saved state; -c clears jobs
        # only, so resume it once.
        scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    sleep 0.2
  done
  die "node not idle after 30 s (state '${st:-unknown}'); see $DIR/slurmctld.log and $DIR/slurmd.log"
}

start() {
  need_tools
  mkdir -p "$DIR/state" "$DIR/spool"
  if alive "$DIR/slurmctld.pid" && alive "$DIR/slurmd.pid"; then
    wait_idle
    say "already running (SLURM_CONF=$CONF)"
    return
  fi
  # A half-running cluster (one daemon died) is restarted whole.
  stop_slurm
  start_munge
  write_conf
  /usr/sbin/slurmctld -c -f "$CONF" || die "slurmctld did not start; see $DIR/slurmctld.log"
  /usr/sbin/slurmd -N localhost -f "$CONF" || die "slurmd did not start; see $DIR/slurmd.log"
  wait_idle
  say "running: node localhost $(node_state), partition $PARTITION (SLURM_CONF=$CONF)"
}

# stop_pid NAME PIDFILE: TERM, wait, then KILL.
stop_pid() {
  local name=$1 f=$2 pid
  alive "$f" || {
    rm -f "$f"
    return 0
  }
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    alive "$f" || break
    sleep 0.1
  done
  if alive "$f"; then
    say "$name (pid $pid) ignored TERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$f"
}

stop_slurm() {
  stop_pid slurmd "$DIR/slurmd.pid"
  stop_pid slurmctld "$DIR/slurmctld.pid"
}

# Does any slurmctld or slurmd (not a zombie) still run on this machine?
other_slurm_daemons() {
  local c n st
  for c in /proc/[0-9]*/comm; do
    n=$(cat "$c" 2>/dev/null) || continue
    case $n in
      slurmctld | slurmd)
        st=$(awk '/^State:/ {print $2}' "${c%/comm}/status" 2>/dev/null) || continue
        [ "$st" = Z ] || return 0
        ;;
    esac
  done
  return 1
}

stop() {
  [ -d "$DIR" ] || {
    say "nothing to stop ($DIR does not exist)"
    return
  }
  stop_slurm
  if [ -e "$DIR/munged.ours" ]; then
    # munged serves the whole machine: another cluster's daemons (another state folder)
    # may still need it. It is only looked for here, never signalled by name.
    if other_slurm_daemons; then
      say "leaving munged running: other SLURM daemons on this machine use it"
    else
      stop_pid munged "$MUNGE_PID"
      rm -f "$DIR/munged.ours"
    fi
  fi
  say "stopped"
}

status() {
  local rc=0 d
  for d in slurmctld slurmd; do
    if alive "$DIR/$d.pid"; then echo "$d: running (pid $(cat "$DIR/$d.pid"))"; else
      echo "$d: not running"
      rc=3
    fi
  done
  if alive "$MUNGE_PID"; then echo "munged: running (pid $(cat $MUNGE_PID))"; else
    echo "munged: not running"
    rc=3
  fi
  [ $rc -ne 0 ] || sinfo
  return $rc
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 64
    ;;
esac
