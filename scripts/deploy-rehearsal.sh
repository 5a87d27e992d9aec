#!/usr/bin/env bash
# Rehearse docs/deploy.md on a fresh Debian 12 machine, as close to a new VPS as this machine gets:
#
#   sudo bash scripts/deploy-rehearsal.sh        (root; Debian's debootstrap and the network)
#
# A Debian 12 root from Debian's mirror (debootstrap, cached in /var/lib/machines), booted with
# its own systemd as PID 1 in its own PID, mount and network namespaces, reached over a veth pair
# at 198.18.0.2 and NATed out for apt and npm. The guide's ```sh blocks then run as written, in
# order, inside it, with only what a rehearsal has to change (each printed as it is made):
#   - `apt` answers yes, and `journalctl -f` does not follow;
#   - block 2 (on "any machine") runs here in a fresh clone, and its `scp` is a copy into the VPS;
#   - the placeholders (<…>, CHANGE-ME) get values, as the guide tells its reader to;
#   - certbot is a stand-in (no Let's Encrypt here): it makes a certificate for the name from a
#     rehearsal CA, puts it where certbot would, and runs the --deploy-hook as certbot does;
#   - the names stay lobby.example.org and turn.example.org, mapped to 198.18.0.2 for the players
#     (an address outside the private ranges coturn refuses to relay to, as a VPS's would be).
# Then two Chromium players (this machine's, outside the VPS) play through it: the demo over
# https/wss through nginx, linked through the VPS's coturn (forced TURN), and the same with TURN
# over TLS; the service restarts with the room kept. What each check found is printed; the first
# failure stops the run. Leaves nothing running (the VPS is powered off, the namespace removed).
#
# Not part of `npm test`: it downloads a Debian system (about 40 s here) and takes a few minutes.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BASE=/var/lib/machines/rallypoint-vps-base
ROOT=/var/lib/machines/rallypoint-vps
NS=rpvps
HOST_IP=198.18.0.1
VPS_IP=198.18.0.2
WORK=$(mktemp -d /tmp/rallypoint-rehearsal-XXXXXX)
PID1=

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   (rehearsal: %s)\n' "$*"; }

cleanup() {
  set +e
  if [ -n "$PID1" ] && kill -0 "$PID1" 2>/dev/null; then
    nsenter -t "$PID1" -m -p systemctl poweroff >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$PID1" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$PID1" 2>/dev/null
  fi
  ip netns del "$NS" 2>/dev/null
  ip link del rpvps0 2>/dev/null
  nft delete table ip rpvps 2>/dev/null
  rm -rf "$WORK"
}
trap 'echo "rehearsal failed at line $LINENO: $BASH_COMMAND" >&2' ERR
# REHEARSAL_KEEP=1: leave the VPS running after a failure, to look around in it (nsenter -t PID1 -a).
trap 'status=$?; if [ "${REHEARSAL_KEEP:-}" = 1 ] && [ $status != 0 ]; then echo "kept: nsenter -t $PID1 -a bash" >&2; else cleanup; fi' EXIT

for tool in debootstrap nsenter unshare nft openssl curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y debootstrap util-linux nftables openssl curl" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo 'run as root' >&2; exit 1; }

say 'A fresh Debian 12 (bookworm)'
if [ ! -x "$BASE/lib/systemd/systemd" ]; then
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,curl,openssl,iproute2 \
    bookworm "$BASE" http://deb.debian.org/debian >"$WORK/debootstrap.log"
fi
rm -rf "$ROOT" && cp -a "$BASE" "$ROOT"
echo rallypoint-vps >"$ROOT/etc/hostname"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# This machine's own trust store: where its way out inspects TLS, npm in the VPS needs that CA too.
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/rehearsal-egress-ca.crt"

say "Its network: $VPS_IP, NATed out"
ip netns add "$NS"
ip link add rpvps0 type veth peer name eth0 netns "$NS"
ip addr add "$HOST_IP/30" dev rpvps0 && ip link set rpvps0 up
ip -n "$NS" addr add "$VPS_IP/30" dev eth0
ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up
ip -n "$NS" route add default via "$HOST_IP"
sysctl -qw net.ipv4.ip_forward=1
nft -f - <<NFT
table ip rpvps {
  chain post { type nat hook postrouting priority 100; ip saddr $VPS_IP/32 oifname != "rpvps0" masquerade; }
}
NFT

say 'Boot it: systemd as PID 1'
cat >"$WORK/boot.sh" <<BOOT
#!/bin/sh
set -e
mount --make-rprivate /
mount --bind $ROOT $ROOT
mount -t proc proc $ROOT/proc
mount --rbind /sys $ROOT/sys
mount --rbind /dev $ROOT/dev
mount -t tmpfs tmpfs $ROOT/run
cd $ROOT && mkdir -p oldroot && pivot_root . oldroot && umount -l /oldroot && rmdir /oldroot
export container=rehearsal
exec /lib/systemd/systemd
BOOT
chmod +x "$WORK/boot.sh"
setsid ip netns exec "$NS" unshare --pid --mount --uts --ipc --fork "$WORK/boot.sh" >"$WORK/boot.log" 2>&1 &
# PID 1 of the VPS: the systemd whose network namespace is ours.
netns=$(stat -L -c %i "/run/netns/$NS")
for _ in $(seq 100); do
  for p in $(pgrep -f -x /lib/systemd/systemd || true); do
    [ "$(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null)" = "$netns" ] && PID1=$p
  done
  [ -n "$PID1" ] && break
  sleep 0.1
done
[ -n "$PID1" ] || { cat "$WORK/boot.log"; exit 1; }
vps() { nsenter -t "$PID1" -m -p -u -i -n env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb DEBIAN_FRONTEND=noninteractive NODE_EXTRA_CA_CERTS=/etc/rehearsal-egress-ca.crt bash -euo pipefail -c "$1"; }
for _ in $(seq 100); do
  state=$(vps 'systemctl is-system-running 2>/dev/null || true')
  case "$state" in running | degraded) break ;; esac
  sleep 0.2
done
echo "systemd: $state"

# The guide's Nth ```sh block, as written.
block() { awk -v n="$1" '/^```sh/{k++; if (k==n) {on=1; next}} /^```/{on=0} on' "$REPO/docs/deploy.md"; }
# Run text as the VPS's root, with `apt` answering yes and no `journalctl -f`.
PRELUDE='apt() { apt-get -y -q -o Dpkg::Use-Pty=0 "$@" >/dev/null; }'
run_on_vps() {
  local text=$1
  text=${text//journalctl -u rallypoint-server -f/journalctl -u rallypoint-server -n 5 --no-pager}
  echo "$text" | sed 's/^/   $ /'
  vps "$PRELUDE
$text"
}

say 'A rehearsal CA, and the certbot stand-in'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=rallypoint rehearsal CA' \
  -keyout "$WORK/ca-key.pem" -out "$WORK/ca.pem" 2>/dev/null
cp "$WORK/ca.pem" "$WORK/ca-key.pem" "$ROOT/root/"
cat >"$ROOT/usr/local/bin/certbot" <<'CERTBOT'
#!/bin/bash
# Rehearsal stand-in for `certbot certonly --webroot -w DIR -d NAME [--deploy-hook CMD]`: a
# certificate for NAME from the rehearsal CA, where certbot puts Let's Encrypt's, then the hook.
set -euo pipefail
name= hook=
while [ $# -gt 0 ]; do
  case $1 in -d) name=$2; shift ;; --deploy-hook) hook=$2; shift ;; esac
  shift
done
live=/etc/letsencrypt/live/$name
mkdir -p "$live"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" -keyout "$live/privkey.pem" -out /tmp/$name.csr 2>/dev/null
openssl x509 -req -in /tmp/$name.csr -CA /root/ca.pem -CAkey /root/ca-key.pem -days 2 -extfile <(printf 'subjectAltName=DNS:%s' "$name") -out "$live/cert.pem" 2>/dev/null
cat "$live/cert.pem" /root/ca.pem >"$live/fullchain.pem"
chmod 600 "$live/privkey.pem"
echo "certbot (rehearsal): certificate for $name in $live"
if [ -n "$hook" ]; then RENEWED_LINEAGE=$live RENEWED_DOMAINS=$name bash -c "$hook"; fi
CERTBOT
chmod 755 "$ROOT/usr/local/bin/certbot"

say 'Step 1: firewall'
run_on_vps "$(block 1)"

say 'Step 2: Node and the lobby'
note "Node 20 from this machine, at /usr/bin/node as NodeSource's package puts it"
cp "$(readlink -f "$(command -v node)")" "$ROOT/usr/bin/node"
mkdir -p "$ROOT/usr/lib/node_modules" && cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$ROOT/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm"
note "block 2 runs here, in a clone of $REPO; its scp is a copy into the VPS's /tmp"
text=$(block 2)
text=${text//https:\/\/github.com\/rallypoint\/rallypoint/$REPO rallypoint}
echo "$text" | sed 's/^/   $ /'
cat >"$WORK/scp.sh" <<SCP
# scp stand-in: copy files into the VPS (its last argument is vps:DIR); options are ignored.
scp() {
  local files=() to=
  for arg in "\$@"; do case \$arg in -*) ;; *) files+=("\$arg") ;; esac; done
  to=\${files[-1]#vps:}; unset 'files[-1]'
  for f in "\${files[@]}"; do tar -cf - -C "\$(dirname "\$f")" "\$(basename "\$f")" | nsenter -t $PID1 -m -p tar -xf - -C "\$to"; done
}
SCP
(cd "$WORK" && bash -euo pipefail -c "source $WORK/scp.sh
$text" >"$WORK/pack.log" 2>&1) || { tail -30 "$WORK/pack.log"; exit 1; }
run_on_vps "$(block 3)"

say 'Step 3: nginx and the certificate'
note 'the names stay lobby.example.org: nothing in the file to edit'
run_on_vps "$(block 4)"

say 'Step 4: the service'
TURN_SECRET=$(openssl rand -hex 24)
text=$(block 5)
text=${text//<32 random characters: openssl rand -base64 24>/$(openssl rand -base64 24)}
text=${text//<the same secret as coturn\'s static-auth-secret>/$TURN_SECRET}
note 'the two <…> placeholders get a random restore secret and the TURN secret'
run_on_vps "$text"
vps 'for _ in $(seq 50); do curl -fsS 127.0.0.1:2567/healthz >/dev/null 2>&1 && break; sleep 0.2; done; systemctl is-active rallypoint-server'

say 'Step 6: coturn'
note 'the guide says to set the two CHANGE lines: the secret, and the realm (which stays turn.example.org)'
text=$(block 6)
text=${text//'# set the two lines marked CHANGE: the secret (RALLYPOINT_TURN_SECRET) and the realm (your name)'/"sed -i 's/^static-auth-secret=CHANGE-ME\$/static-auth-secret=$TURN_SECRET/' /etc/turnserver.conf"}
run_on_vps "$text"

say 'What runs'
vps 'systemctl is-active nftables nginx rallypoint-server coturn; systemctl --failed --no-legend; systemd-analyze security rallypoint-server --no-pager | tail -1; ss -Hlntu | awk "{print \$1, \$5}" | sort -u'

say 'From outside: https, the redirect, and the challenge path'
resolve=(--resolve "lobby.example.org:443:$VPS_IP" --resolve "lobby.example.org:80:$VPS_IP" --cacert "$WORK/ca.pem")
curl -fsS "${resolve[@]}" https://lobby.example.org/healthz && echo
curl -sS -o /dev/null -w 'http://lobby.example.org/ → %{http_code} %{redirect_url}\n' "${resolve[@]}" http://lobby.example.org/
if curl -s -m 3 -o /dev/null "http://$VPS_IP:9464/metrics"; then echo 'metrics reachable from outside: they should not be' >&2; exit 1; else echo 'metrics: not reachable from outside (loopback only, and the firewall)'; fi

say 'Players: two Chromium pages through it'
node "$REPO/scripts/deploy-rehearsal-players.mjs" "$VPS_IP" "$PID1"
say 'The rehearsal passed'
