# Process supervision for the management cluster: each process runs detached, with its PID in $RUN and its
# log in $LOGS. Source it.

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }

running() {
	local pid
	pid=$(pid_of "$1")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$STATE/"
}

# spawn name command...: starts it unless it runs. A path in the state directory is in every command line
# (see running; "$STATE/", since one instance's state directory name is a prefix of the next's).
spawn() {
	local name=$1
	shift
	running "$name" && return 0
	setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN/$name.pid"
}

stop_one() {
	local name=$1 pid i
	running "$name" || { rm -f "$RUN/$name.pid"; return 0; }
	pid=$(pid_of "$name")
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$RUN/$name.pid"
}

# wait_for what seconds command...: retries the command every 0.2 s.
wait_for() {
	local what=$1 timeout=$2 deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "$what not ready after $timeout s; logs in $LOGS"
		sleep 0.2
	done
}

healthy() { # url [client certificate name]
	local args=(-fsS --max-time 2)
	[[ $1 != https://* ]] || args+=(--cacert "$PKI/ca.crt")
	[[ -z ${2:-} ]] || args+=(--cert "$PKI/$2.crt" --key "$PKI/$2.key")
	curl "${args[@]}" -o /dev/null "$1" 2>/dev/null
}
