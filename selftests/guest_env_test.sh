#!/bin/sh
# Checks what the VM harness promises user-space guest tests: shared
# libraries of dynamic programs, OpenSSL's config, loopback up and
# testsmdpplus1.example.com on 127.0.0.1 - by running a real TLS server and
# client (the host's openssl program, brought in with VM_GUEST_FILES).
n=0
fails=0
check() { # check "name" command...
	name=$1
	shift
	n=$((n + 1))
	if "$@" >/tmp/env-test.out 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' /tmp/env-test.out | tail -n 10
		fails=$((fails + 1))
	fi
}

check "loopback is up" sh -c 'ip addr show dev lo | grep -q "inet 127.0.0.1"'
check "testsmdpplus1.example.com resolves to 127.0.0.1" \
	sh -c 'grep -q "^127.0.0.1.*testsmdpplus1.example.com" /etc/hosts &&
	       ping -c 1 -W 2 testsmdpplus1.example.com | grep -q 127.0.0.1'
check "dynamically linked openssl runs" sh -c 'openssl version | grep -q "^OpenSSL 3"'
check "openssl finds its config" sh -c 'test -r "$(openssl version -d | cut -d\" -f2)/openssl.cnf"'

d=/tmp/env-tls
mkdir -p "$d"
check "self-signed P-256 certificate for testsmdpplus1.example.com" \
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=testsmdpplus1.example.com -addext subjectAltName=DNS:testsmdpplus1.example.com \
	-keyout "$d/key.pem" -out "$d/cert.pem"

openssl s_server -accept 127.0.0.1:8443 -cert "$d/cert.pem" -key "$d/key.pem" \
	-naccept 1 -quiet >"$d/server.log" 2>&1 &
srv=$!
up=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	if netstat -ltn 2>/dev/null | grep -q '127.0.0.1:8443'; then up=1; break; fi
	sleep 0.2
done
check "TLS server listens on 127.0.0.1" test "$up" = 1
check "TLS 1.3 handshake by name, certificate and host name verified" \
	sh -c "echo Q | openssl s_client -connect testsmdpplus1.example.com:8443 -tls1_3 \
	-CAfile $d/cert.pem -verify_return_error -verify_hostname testsmdpplus1.example.com \
	-brief 2>&1 | grep -q 'Verification: OK'"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

echo "1..$n"
[ "$fails" -eq 0 ]
