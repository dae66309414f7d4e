#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer: checks each, starts it if installed but stopped,
# installs it with apt-get if absent (when root), otherwise stops with what to install.
# Honours DATABASE_URL / REDIS_URL; remote services are only checked, never started. Locally it
# touches only the PostgreSQL cluster on the URL's port (never another cluster such as `main` on
# 5432 when the URL names 5433), and prints every action it takes.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/guidepost}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# host and port out of a URL such as scheme://user:pass@host:port/db
url_host() { local h="${1#*://}"; h="${h#*@}"; h="${h%%/*}"; h="${h%%\?*}"; case "$h" in \[*) h="${h%%]*}"; echo "${h#[}";; *) echo "${h%%:*}";; esac; }
url_port() { local h="${1#*://}"; h="${h#*@}"; h="${h%%/*}"; h="${h%%\?*}"; case "$h" in *\]:*) echo "${h##*]:}";; \[*) echo "$2";; *:*) echo "${h##*:}";; *) echo "$2";; esac; }
is_local() { case "$1" in 127.*|localhost|::1|'') return 0;; *) return 1;; esac; }
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { local what=$1 host=$2 port=$3; for _ in $(seq 1 60); do tcp_open "$host" "$port" && return 0; sleep 0.5; done; die "$what did not start listening on $host:$port"; }

apt_updated=0
apt_install() {
  [ "$(id -u)" = 0 ] || die "$1 is not installed. Install it (Debian: sudo apt-get install $*) or set ${2:-the URL} to a running server."
  if [ $apt_updated = 0 ]; then say "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ---------- PostgreSQL
PG_HOST=$(url_host "$DATABASE_URL"); PG_PORT=$(url_port "$DATABASE_URL" 5432)
if tcp_open "$PG_HOST" "$PG_PORT"; then
  say "PostgreSQL answers on $PG_HOST:$PG_PORT"
elif ! is_local "$PG_HOST"; then
  die "PostgreSQL at $PG_HOST:$PG_PORT does not answer (DATABASE_URL points to a remote server; start it there)"
else
  # Only the cluster DATABASE_URL names (by its port) is ever started or configured; another
  # cluster on this machine is left exactly as it is.
  cluster_on_port() { command -v pg_lsclusters >/dev/null && pg_lsclusters --no-header 2>/dev/null | awk -v p="$1" '$3 == p { print $1, $2; exit }'; }
  target=$(cluster_on_port "$PG_PORT" || true)
  installed_now=0
  if [ -z "$target" ] && ! command -v pg_lsclusters >/dev/null; then
    apt_install postgresql
    installed_now=1
    target=$(cluster_on_port "$PG_PORT" || true)
  fi
  [ -n "$target" ] || die "no local PostgreSQL cluster is configured on port $PG_PORT (DATABASE_URL); create one (e.g. pg_createcluster --port $PG_PORT <version> guidepost) or point DATABASE_URL at a running server. Clusters here: $(pg_lsclusters --no-header 2>/dev/null | awk '{printf "%s/%s on %s; ", $1, $2, $3}')"
  ver=${target%% *}; name=${target#* }
  hba="/etc/postgresql/$ver/$name/pg_hba.conf"
  if [ $installed_now = 1 ] || ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    if [ "$(id -u)" = 0 ] && [ "${GP_PG_TRUST_LOCAL:-1}" = 1 ]; then
      # Local development / CI machine: trust loopback connections, as the default URL has no password.
      say "configuring PostgreSQL cluster $ver/$name (port $PG_PORT) for local trust on 127.0.0.1 and ::1 in $hba"
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    fi
  fi
  say "starting PostgreSQL cluster $ver/$name on port $PG_PORT"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || pg_ctlcluster "$ver" "$name" start || true
  wait_for PostgreSQL "$PG_HOST" "$PG_PORT"
  say "PostgreSQL cluster $ver/$name started on port $PG_PORT"
fi

# ---------- Redis
R_HOST=$(url_host "$REDIS_URL"); R_PORT=$(url_port "$REDIS_URL" 6379)
if tcp_open "$R_HOST" "$R_PORT"; then
  say "Redis answers on $R_HOST:$R_PORT"
elif ! is_local "$R_HOST"; then
  die "Redis at $R_HOST:$R_PORT does not answer (REDIS_URL points to a remote server; start it there)"
else
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis on port $R_PORT"
  mkdir -p /tmp/guidepost-redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$R_PORT" --save "" --appendonly no --dir /tmp/guidepost-redis --logfile /tmp/guidepost-redis/redis.log
  wait_for Redis "$R_HOST" "$R_PORT"
  say "Redis started"
fi
