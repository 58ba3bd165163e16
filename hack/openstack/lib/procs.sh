# Process bookkeeping for aio.sh: every service runs as the leader of its own process group, and its PID
# file holds "pid start-time" so a recycled pid is never mistaken for ours. Sourced by aio.sh.

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Field 22 of /proc/PID/stat (start time in clock ticks), read after the parenthesised command name.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  local fields
  read -ra fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# Prints the pid of a running service, or fails.
service_pid() {
  local file pid st
  file=$(pid_file "$1")
  [[ -s $file ]] || return 1
  read -r pid st <"$file"
  [[ -n $pid && $(start_time "$pid") == "$st" ]] || return 1
  echo "$pid"
}

service_alive() { service_pid "$1" >/dev/null; }

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# Starts "$@" as service $1 in a new session, logging to $LOG_DIR/$1.log; a running service is left alone.
launch() {
  local name=$1
  shift
  service_alive "$name" && return 0
  reap_stale "$name"
  printf '\n==== %s start: %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  local pid=$!
  local st=
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    st=$(start_time "$pid") && break
    sleep 0.05
  done
  [[ -n $st ]] || die "$name exited at once, see $LOG_DIR/$name.log"
  echo "$pid $st" >"$(pid_file "$name")"
}

# Kills what is left of a service whose leader died (workers it forked keep its process group id).
reap_stale() {
  local file pid st
  file=$(pid_file "$1")
  [[ -s $file ]] || return 0
  read -r pid st <"$file"
  if [[ -n $pid && ! -e /proc/$pid ]] && group_alive "$pid"; then
    log "$1: killing leftover processes of a crashed run (group $pid)"
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait_for "leftovers of $1 to exit" 10 eval "! group_alive $pid"
  fi
  rm -f "$file"
}

# Stops a service's whole process group: $2 is the polite signal, SIGKILL follows after $3 seconds.
stop_service() {
  local name=$1 sig=${2:-TERM} grace=${3:-30} pid
  if ! pid=$(service_pid "$name"); then
    reap_stale "$name"
    return 0
  fi
  kill -"$sig" -- "-$pid" 2>/dev/null || true
  local start=$SECONDS
  while group_alive "$pid"; do
    if ((SECONDS - start >= grace)); then
      log "$name: still running after ${grace}s, killing"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$name")"
}
