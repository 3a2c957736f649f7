#!/usr/bin/env bash
# Root phase of the network tests (ARCHITECTURE.md section 11): a client that is NOT on the
# host's loopback, so the test of `-p` can show the client's real address survives. 127.0.0.x
# sources can't prove it across a real link, and an unprivileged user can neither make a veth
# nor enter a namespace it doesn't own. So, as root:
#   netns sbx-netclient, veth sbxnc0 (host, 10.199.0.1/30) <-> sbxnc1 (client, 10.199.0.2/30),
#   and in that namespace a tiny relay listening on the unix socket SOCK (mode 0666): a test
#   connects, writes "PORT\n", and from then on talks to 10.199.0.1:PORT from 10.199.0.2.
# Only our own veth's addresses are ever addressed.
#   test/host/netclient.sh start [SOCK]   (prints the relay's pid)
#   test/host/netclient.sh stop PID [SOCK]
set -euo pipefail
SOCK=${2:-/run/sandbox-netclient.sock}
case ${1:-} in
start)
  ip netns del sbx-netclient 2>/dev/null || true
  ip link del sbxnc0 2>/dev/null || true
  ip netns add sbx-netclient
  ip link add sbxnc0 type veth peer name sbxnc1
  ip link set sbxnc1 netns sbx-netclient
  ip addr add 10.199.0.1/30 dev sbxnc0
  ip link set sbxnc0 up
  ip -n sbx-netclient addr add 10.199.0.2/30 dev sbxnc1
  ip -n sbx-netclient link set sbxnc1 up
  ip -n sbx-netclient link set lo up
  rm -f "$SOCK"
  # The socket is created by the relay on the host's filesystem (a path is not per-netns); its
  # TCP connections are made inside sbx-netclient.
  ip netns exec sbx-netclient python3 - "$SOCK" <<'PY' >/dev/null 2>&1 &
import os, socket, sys, threading
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
os.chmod(path, 0o666)
srv.listen(64)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass
def serve(c):
    line = b''
    while not line.endswith(b'\n'):
        d = c.recv(1)
        if not d:
            return c.close()
        line += d
    port = int(line.strip())
    if not 1 <= port <= 65535:
        return c.close()
    t = socket.create_connection(('10.199.0.1', port), timeout=10)
    threading.Thread(target=pump, args=(t, c), daemon=True).start()
    pump(c, t)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
  echo $!
  ;;
stop)
  [ -n "${2:-}" ] && kill "$2" 2>/dev/null || true
  ip netns del sbx-netclient 2>/dev/null || true
  ip link del sbxnc0 2>/dev/null || true
  # The tests look for the socket to know the client is there: never leave a stale one.
  rm -f "${3:-/run/sandbox-netclient.sock}"
  ;;
*) echo "usage: $0 start [SOCK] | stop PID [SOCK]" >&2; exit 2 ;;
esac
