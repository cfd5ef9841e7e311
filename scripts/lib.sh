# shellcheck shell=bash
# Shared helpers for the scripts beside this file: messages, flag checks, the root check, build
# steps and IPv4 subnet arithmetic for the address-clash check. Sourced by the scripts, never run;
# it defines functions and two variables (TAPSTACK_ROOT, script_name) and changes nothing else.

TAPSTACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script_name=$(basename "$0")

say() { printf '%s: %s\n' "$script_name" "$*"; }
warn() { printf '%s: warning: %s\n' "$script_name" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$script_name" "$*" >&2
  exit 1
}
# A bad command line: one line, the pointer to --help, exit 2 (as the programs do).
usage_error() {
  printf '%s: %s (see %s --help)\n' "$script_name" "$*" "$script_name" >&2
  exit 2
}

# need_value "$@" while parsing: the flag in $1 that takes a value was given one.
need_value() { (($# >= 2)) || usage_error "$1 needs a value"; }

need_root() {
  ((EUID == 0)) || die "$1 needs root (network devices and namespaces): run it with sudo"
}

need_tools() {
  local tool missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run sudo scripts/setup"
}

# Linux interface and namespace names: at most 15 characters of a safe set.
check_ifname() {
  [[ $2 =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || usage_error "$1 '$2' is not an interface name (1-15 of A-Z a-z 0-9 _ . -)"
}
check_netns_name() {
  [[ $2 =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || usage_error "$1 '$2' is not a namespace name (A-Z a-z 0-9 _ . -)"
}

netns_exists() { [[ -e /run/netns/$1 ]]; }

# The ip command, pointed at a namespace when one is named (empty: the root namespace).
ip_in() {
  local ns=$1
  shift
  if [[ -n $ns ]]; then ip -n "$ns" "$@"; else ip "$@"; fi
}

# Stops a child process of this shell: SIGINT (the programs print their counters on it), then
# SIGKILL once SECONDS have passed. Returns once it is gone; never fails.
stop_child() {
  local pid=$1 seconds=$2 tenth
  kill -INT "$pid" 2>/dev/null || true
  for ((tenth = 0; tenth < seconds * 10; tenth++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Configures BUILD_DIR (Ninja, RelWithDebInfo) if it has no build files yet, then builds TARGETS.
build_targets() {
  local dir=$1
  shift
  if [[ ! -f $dir/build.ninja ]]; then
    cmake -S "$TAPSTACK_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ||
      die "configuring $dir failed"
  fi
  cmake --build "$dir" -j2 --target "$@" || die "building $* in $dir failed"
}

# --- IPv4 arithmetic on dotted quads, enough for the clash check ------------------------------

ip_to_int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  # 10#: a leading zero is not octal here.
  echo $(((10#$a << 24) | (10#$b << 16) | (10#$c << 8) | 10#$d))
}

int_to_ip() {
  local n=$1
  echo "$(((n >> 24) & 255)).$(((n >> 16) & 255)).$(((n >> 8) & 255)).$((n & 255))"
}

prefix_mask() { echo $((($1 == 0) ? 0 : ((0xffffffff << (32 - $1)) & 0xffffffff))); }

# ADDR/PREFIX with four octets 0-255 and a prefix 1-30 (a tap link needs two host addresses).
check_cidr() {
  local flag=$1 cidr=$2 octet
  local o='(0|[1-9][0-9]{0,2})'
  [[ $cidr =~ ^$o\.$o\.$o\.$o/([0-9]{1,2})$ ]] ||
    usage_error "$flag '$cidr' is not ADDR/PREFIX (like 10.0.0.1/24)"
  for octet in "${BASH_REMATCH[@]:1:4}"; do
    ((octet <= 255)) || usage_error "$flag '$cidr' has an octet above 255"
  done
  ((10#${BASH_REMATCH[5]} >= 1 && 10#${BASH_REMATCH[5]} <= 30)) ||
    usage_error "$flag '$cidr' needs a prefix between 1 and 30"
}

# check_cidr, and the address is a host of its subnet: not the network or broadcast address.
check_host_cidr() {
  check_cidr "$1" "$2"
  local n host_mask
  n=$(ip_to_int "${2%/*}")
  host_mask=$((~$(prefix_mask "${2#*/}") & 0xffffffff))
  (((n & host_mask) != 0 && (n & host_mask) != host_mask)) ||
    usage_error "$1 $2 is the subnet's network or broadcast address, not a host address"
}

check_ip() {
  local o='(0|[1-9][0-9]{0,2})' octet
  [[ $2 =~ ^$o\.$o\.$o\.$o$ ]] || usage_error "$1 '$2' is not an IPv4 address (like 10.0.0.1)"
  for octet in "${BASH_REMATCH[@]:1:4}"; do
    ((octet <= 255)) || usage_error "$1 '$2' has an octet above 255"
  done
}

# The network of ADDR/PREFIX, as NET/PREFIX.
cidr_network() {
  local addr=${1%/*} len=${1#*/}
  echo "$(int_to_ip $(($(ip_to_int "$addr") & $(prefix_mask "$len"))))/$len"
}

# Whether two prefixes share any address: compare both under the shorter mask.
cidrs_overlap() {
  local a=$1 b=$2
  [[ $a == */* ]] || a=$a/32
  [[ $b == */* ]] || b=$b/32
  local len_a=${a#*/} len_b=${b#*/}
  local mask
  mask=$(prefix_mask $((len_a < len_b ? len_a : len_b)))
  (((($(ip_to_int "${a%/*}") ^ $(ip_to_int "${b%/*}")) & mask) == 0))
}

# The address the stack takes on a link whose kernel side is ADDR/PREFIX: the next one up, or the
# one below when the next is the broadcast address.
stack_address_for() {
  local addr=${1%/*} len=${1#*/}
  local n host_mask next_host
  n=$(ip_to_int "$addr")
  host_mask=$((~$(prefix_mask "$len") & 0xffffffff))
  next_host=$(((n + 1) & host_mask))
  if ((next_host != 0 && next_host != host_mask)); then
    echo "$(int_to_ip $((n + 1)))/$len"
  else
    echo "$(int_to_ip $((n - 1)))/$len"
  fi
}

# Prints the first route or address in namespace NS (empty: root) that overlaps SUBNET, as
# "ROUTE-OR-ADDRESS|DEVICE"; prints nothing and fails when the subnet is free. The default route
# overlaps everything and is not a clash: a more specific on-link route for the tap wins over it.
find_subnet_clash() {
  local ns=$1 subnet
  subnet=$(cidr_network "$2")
  local line dst dev
  local route_types='local|broadcast|unicast|anycast|multicast|unreachable|blackhole|prohibit|throw'
  while read -r line; do
    dst=${line%% *}
    [[ $dst == default || $dst == 0.0.0.0/0 ]] && continue
    [[ $dst =~ ^[0-9.]+(/[0-9]+)?$ ]] || continue
    if cidrs_overlap "$dst" "$subnet"; then
      dev=$(sed -n 's/.* dev \([^ ]*\).*/\1/p' <<<"$line")
      echo "route $dst|${dev:-?}"
      return 0
    fi
  done < <(ip_in "$ns" -4 -o route show table all 2>/dev/null | sed -E "s/^($route_types) //")
  # Addresses with no route of their own (a /32 on some interface) still make replies go astray.
  while read -r _ dev _ dst _; do
    if cidrs_overlap "${dst%/*}" "$subnet"; then
      echo "address $dst|$dev"
      return 0
    fi
  done < <(ip_in "$ns" -4 -o addr show 2>/dev/null)
  return 1
}

# A 10.N.0.1/24 subnet free in namespace NS, for the message that reports a clash.
suggest_free_subnet() {
  local n
  for n in 9 {10..254}; do
    find_subnet_clash "$1" "10.$n.0.1/24" >/dev/null || {
      echo "10.$n.0.1/24"
      return 0
    }
  done
  return 1
}
