# shellcheck shell=bash
# A private pcscd with N virtual readers (vsmartcard-vpcd), for the station tests.
# Source after lib.sh; start_pcscd DIR N; stop_pcscd (also from the EXIT trap via
# pcsc_cleanup).
#
# Why it looks like this:
#  - pcscd has a fixed socket path (/run/pcscd); ours runs in its own mount
#    namespace with a private directory bound there, and clients find it through
#    PCSCLITE_CSOCK_NAME (libpcsclite reads it). The system pcscd is left alone.
#  - The vpcd driver keeps its card connections in one static array indexed by
#    slot, so two reader entries served by one loaded copy of it overwrite each
#    other. Each entry gets its own copy of the driver file (a separate dlopen), and
#    each entry has two slots (ports P and P+1). pcscd serves at most 16 readers.
#  - vpcd listens on the ports; portdp-vcard connects to put a card in a reader.
PCSC_PID=
PCSC_DIR=
READER_NAMES=()
READER_PORTS=()

VPCD_SO=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

pcsc_cleanup() {
	[ -n "$PCSC_PID" ] && kill -9 "$PCSC_PID" 2>/dev/null
}

# N free consecutive ports (two vpcd slots per reader entry).
free_port_block() {
	local n=$1 p k used
	for _ in $(seq 100); do
		# below the ephemeral range (32768-): a port an outgoing connection holds
		# is not "listening", but vpcd cannot bind it
		p=$((10000 + RANDOM % 22000))
		used=$(ss -Htln 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}')
		for ((k = 0; k < n; k++)); do
			grep -qx "$((p + k))" <<<"$used" && continue 2
		done
		echo "$p"
		return 0
	done
	return 1
}

# start_pcscd DIR N: N readers (N even, <= 16); READER_NAMES/READER_PORTS filled.
start_pcscd() {
	local dir=$1 n=$2 i p base
	PCSC_DIR=$dir
	mkdir -p "$dir/run" "$dir/conf" "$dir/drv"
	: >"$dir/conf/readers"
	READER_NAMES=()
	READER_PORTS=()
	base=$(free_port_block "$n") || return 1
	for ((i = 0; i < n / 2; i++)); do
		p=$((base + 2 * i))
		cp "$VPCD_SO" "$dir/drv/vpcd$i.so"
		printf 'FRIENDLYNAME "PortDP vpcd %d"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n\n' \
			"$i" "$p" "$dir/drv/vpcd$i.so" "$p" >>"$dir/conf/readers"
		READER_NAMES+=("PortDP vpcd $i 00 00" "PortDP vpcd $i 00 01")
		READER_PORTS+=("$p" "$((p + 1))")
	done
	unshare -m sh -c "mkdir -p /run/pcscd && mount --bind '$dir/run' /run/pcscd &&
		exec pcscd -f -c '$dir/conf'" >"$dir/pcscd.log" 2>&1 &
	PCSC_PID=$!
	export PCSCLITE_CSOCK_NAME=$dir/run/pcscd.comm
	for _ in $(seq 100); do
		if [ -S "$PCSCLITE_CSOCK_NAME" ] &&
			ss -Htln "sport = :${READER_PORTS[-1]}" 2>/dev/null | grep -q .; then
			return 0
		fi
		kill -0 "$PCSC_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# pcscd did not start:"
	sed 's/^/#   /' "$dir/pcscd.log" | tail -n 10
	return 1
}

stop_pcscd() {
	[ -n "$PCSC_PID" ] || return 0
	kill "$PCSC_PID" 2>/dev/null
	wait "$PCSC_PID" 2>/dev/null
	PCSC_PID=
}
