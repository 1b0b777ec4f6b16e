#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the cluster tests.
#
#   tests/slurm/cluster.sh start    write the config, start munged, slurmctld, slurmd,
#                                   wait until the node is idle
#   tests/slurm/cluster.sh stop     cancel our jobs, stop the three daemons (idempotent)
#   tests/slurm/cluster.sh status   say which daemons run; sinfo and squeue
#   tests/slurm/cluster.sh env      print the `export SLURM_CONF=...` line for clients
#
# The munge key, slurm.conf, spool, state, logs and pid files live under one directory:
# $PANELSTUDY_SLURM_DIR, by default `.slurm/` at the top of the repository. Two Debian
# paths are shared with a system installation, so only one such cluster runs on a
# machine: munged's socket /run/munge/munge.socket.2 and slurmd's link to its
# configuration, /run/slurm/conf, where clients without SLURM_CONF (srun inside jobs)
# find it. Nothing is written to /etc or /var.
#
# Needs Debian's slurm-wlm (slurmctld, slurmd, slurm-client) and munge, and root: the
# daemons run as root and jobs run as the user who submits them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base="${PANELSTUDY_SLURM_DIR:-$(cd "$here/../.." && pwd)/.slurm}"
ctld_port="${PANELSTUDY_SLURMCTLD_PORT:-6817}"
slurmd_port="${PANELSTUDY_SLURMD_PORT:-6818}"
# The partition profiles/slurm/config.yaml submits to.
partition=main
start_timeout=60
stop_timeout=30

conf="$base/etc/slurm.conf"
# slurmd fetches its configuration from slurmctld before it has read any file, so it
# can only reach munged at the compiled-in socket: Debian's /run/munge/munge.socket.2.
munge_socket=/run/munge/munge.socket.2
# slurmd links the fetched configuration here; clients read it when SLURM_CONF is unset.
run_conf_link=/run/slurm/conf
export SLURM_CONF="$conf"

log() { echo "cluster.sh: $*" >&2; }

die() {
    log "error: $*"
    exit 1
}

pid_alive() {
    local pid_file="$1" pid
    [[ -s "$pid_file" ]] || return 1
    pid="$(<"$pid_file")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# Waits up to $2 seconds for command $1 to succeed; returns 1 on timeout.
wait_for() {
    local check="$1" seconds="$2" waited=0
    until eval "$check"; do
        ((waited >= seconds * 5)) && return 1
        sleep 0.2
        waited=$((waited + 1))
    done
}

require_tools() {
    local tool missing=()
    for tool in munged mungekey slurmctld slurmd sinfo sbatch squeue scancel scontrol; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) ||
        die "missing ${missing[*]}; install with: apt-get install slurm-wlm munge"
    [[ "$(id -u)" == 0 ]] || die "the daemons are started as root; run as root"
    # Inside jobs srun reads /etc/slurm/slurm.conf before /run/slurm/conf: a system
    # Slurm's file there would send the job steps to the wrong controller.
    [[ ! -e /etc/slurm/slurm.conf ]] ||
        die "/etc/slurm/slurm.conf exists (a system Slurm?); this test cluster needs it absent"
}

write_config() {
    local host node_line cpus real_memory
    host="$(hostname -s)"

    # slurmd -C reports this machine as slurmd sees it (CPUs, sockets, cores,
    # threads, RealMemory in MiB); the node line must not claim more, or slurmctld
    # drains the node.
    node_line="$(slurmd -C | head -n 1)"
    cpus="$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node_line")"
    real_memory="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_line")"
    [[ -n "$cpus" && -n "$real_memory" ]] ||
        die "could not read CPUs and RealMemory from 'slurmd -C': $node_line"

    mkdir -p "$base"/{etc,munge,log,run,state,spool}
    # munged wants its socket directory searchable by all; the key itself is 0400.
    chmod 0755 "$base/munge"

    # A new key each start: no other munged can talk to ours.
    rm -f "$base/munge/munge.key"
    mungekey --create --keyfile="$base/munge/munge.key" --bits=1024
    chmod 0400 "$base/munge/munge.key"

    cat >"$conf" <<EOF
# Written by tests/slurm/cluster.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); rewritten at
# every start. One node ($host) that is also the controller; every address is
# the loopback one.
ClusterName=panelstudy
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Daemons and clients bind to 127.0.0.1 (what $host resolves to) rather than
# to every address. Slurm 22.05 applies this to all but slurmctld.
CommunicationParameters=NoInAddrAny
SlurmUser=root
SlurmdUser=root
# slurmd fetches this file from slurmctld and links it at /run/slurm/conf, where
# every client on the node finds it without SLURM_CONF. That matters inside jobs:
# the executor plugin's job step drops SLURM_* variables, SLURM_CONF included,
# before it calls srun.
SlurmctldParameters=enable_configless

AuthType=auth/munge
CredType=cred/munge

StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool/slurmd
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups (none to delegate inside a container), no accounting database.
# Processes are tracked by process group, not by parent chain (proctrack/linuxproc):
# under linuxproc, a process whose parent shell died of scancel's SIGTERM is
# re-parented to init, is no longer seen as the job's, and escapes the SIGKILL that
# follows (seen with a hung job-side Snakemake).
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none

SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
# Finished jobs stay visible to squeue for 10 minutes: the Snakemake executor plugin
# reads their final state from squeue when there is no accounting database.
MinJobAge=600
ReturnToService=2
SlurmdTimeout=60
KillWait=5

NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$real_memory State=UNKNOWN
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    log "wrote $conf (node $host: $cpus CPUs, $real_memory MiB)"
}

start_munged() {
    if pid_alive "$base/run/munged.pid"; then
        log "munged already running (pid $(<"$base/run/munged.pid"))"
        return
    fi
    # The socket path is shared with a system munged; never take over a live one.
    if [[ -S "$munge_socket" ]] && munge --socket="$munge_socket" -n >/dev/null 2>&1; then
        die "another munged already serves $munge_socket; stop it first"
    fi
    mkdir -p "$(dirname "$munge_socket")"
    chmod 0755 "$(dirname "$munge_socket")"
    rm -f "$munge_socket" "$munge_socket.lock"
    munged --socket="$munge_socket" \
        --key-file="$base/munge/munge.key" \
        --pid-file="$base/run/munged.pid" \
        --log-file="$base/log/munged.log" \
        --seed-file="$base/munge/munged.seed"
    wait_for "munge -n | unmunge >/dev/null 2>&1" 10 ||
        die "munged does not answer on $munge_socket; see $base/log/munged.log"
    log "munged running (pid $(<"$base/run/munged.pid"))"
}

start_slurm_daemons() {
    local host
    host="$(hostname -s)"

    if pid_alive "$base/run/slurmctld.pid"; then
        log "slurmctld already running (pid $(<"$base/run/slurmctld.pid"))"
    else
        # -c: start from an empty state, no jobs or node states from earlier runs.
        slurmctld -c -f "$conf"
        wait_for "scontrol ping 2>/dev/null | grep -q UP" 20 ||
            die "slurmctld does not answer; see $base/log/slurmctld.log"
        log "slurmctld running (pid $(<"$base/run/slurmctld.pid"))"
    fi

    if pid_alive "$base/run/slurmd.pid"; then
        log "slurmd already running (pid $(<"$base/run/slurmd.pid"))"
    else
        slurmd --conf-server "127.0.0.1:$ctld_port"
        wait_for "pid_alive '$base/run/slurmd.pid'" 20 ||
            die "slurmd did not start; see $base/log/slurmd.log"
        log "slurmd running (pid $(<"$base/run/slurmd.pid"))"
    fi

    if ! wait_for "[[ \"\$(sinfo -h -n '$host' -o %T 2>/dev/null)\" == idle ]]" "$start_timeout"; then
        sinfo -N -l >&2 || true
        die "node $host not idle after ${start_timeout}s; see $base/log/"
    fi
    log "node $host idle in partition $partition"
}

start() {
    require_tools
    if ! pid_alive "$base/run/munged.pid"; then
        write_config
    fi
    start_munged
    start_slurm_daemons
    echo "export SLURM_CONF=$conf"
}

# Sends SIGTERM to the daemon whose pid is in $1, waits, then SIGKILL.
stop_daemon() {
    local name="$1" pid_file="$2" pid
    if ! pid_alive "$pid_file"; then
        rm -f "$pid_file"
        return
    fi
    pid="$(<"$pid_file")"
    kill -TERM "$pid"
    if ! wait_for "! kill -0 $pid 2>/dev/null" "$stop_timeout"; then
        log "$name (pid $pid) still running after ${stop_timeout}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_for "! kill -0 $pid 2>/dev/null" 5 || die "$name (pid $pid) survives SIGKILL"
    fi
    rm -f "$pid_file"
    log "stopped $name (pid $pid)"
}

stop() {
    # Jobs first: their slurmstepd processes belong to slurmd and end with the job.
    if pid_alive "$base/run/slurmctld.pid" && [[ -n "$(squeue -h -o %i 2>/dev/null)" ]]; then
        log "cancelling the jobs still queued or running"
        scancel --full --user="$(id -un)" 2>/dev/null || true
        wait_for "[[ -z \"\$(squeue -h -t PD,R,CG,S -o %i 2>/dev/null)\" ]]" "$stop_timeout" ||
            log "jobs still listed after ${stop_timeout}s: $(squeue -h -o '%i %T' | tr '\n' ' ')"
    fi
    stop_daemon slurmd "$base/run/slurmd.pid"
    stop_daemon slurmctld "$base/run/slurmctld.pid"
    stop_daemon munged "$base/run/munged.pid"

    # slurmd leaves its link to the fetched configuration behind; remove it only
    # when it points into our directory.
    if [[ -L "$run_conf_link" && "$(readlink "$run_conf_link")" == "$base"/* ]]; then
        rm -f "$run_conf_link"
        rmdir --ignore-fail-on-non-empty "$(dirname "$run_conf_link")"
    fi
}

status() {
    local name pid_file running=0
    for name in munged slurmctld slurmd; do
        pid_file="$base/run/$name.pid"
        if pid_alive "$pid_file"; then
            echo "$name: running (pid $(<"$pid_file"))"
            running=$((running + 1))
        else
            echo "$name: stopped"
        fi
    done
    if ((running == 3)); then
        sinfo -N -o "%N %P %T %c %m"
        squeue -o "%i %j %T %M %R"
        return 0
    fi
    return 1
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) echo "export SLURM_CONF=$conf" ;;
    *)
        echo "usage: $0 start|stop|status|env" >&2
        exit 2
        ;;
esac
