#!/bin/sh
# Test PKI for the ES9+ chain tests, made fresh in $1 with the openssl CLI:
#   ciA (trusted by the test service) -> eumA (EIDs 89049032...) -> euicc-in, euicc-out
#   ciB (trusted by nobody)           -> eumB                      -> euicc-b
# euicc-out carries an EID outside eumA's nameConstraints. Same extensions as SGP.26.
set -eu
d=$1
mkdir -p "$d"
cd "$d"
cat >ext.cnf <<'CNF'
[ci]
subjectKeyIdentifier = hash
basicConstraints = critical, CA:TRUE
certificatePolicies = critical, 2.23.146.1.2.1.0
keyUsage = critical, keyCertSign, cRLSign
subjectAltName = RID:2.999.1
[eum]
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
keyUsage = critical, keyCertSign
certificatePolicies = critical, 2.23.146.1.2.1.2
subjectAltName = RID:2.999.5
basicConstraints = critical, CA:TRUE, pathlen:0
nameConstraints = critical, permitted;dirName:eum_range
[eum_range]
O = Port-DP Test EUM
serialNumber = 89049032
[euicc]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
keyUsage = critical, digitalSignature
certificatePolicies = critical, 2.23.146.1.2.1.1
CNF
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.pem" 2>/dev/null; }
ca() { # name subject
	key "$1"
	openssl req -new -key "$1.pem" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -signkey "$1.pem" -days 3650 -sha256 \
		-extfile ext.cnf -extensions ci -outform DER -out "$1.der" 2>/dev/null
	openssl x509 -inform DER -in "$1.der" -out "$1.crt"
}
issue() { # name subject issuer section
	key "$1"
	openssl req -new -key "$1.pem" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.pem" -CAcreateserial -days 3650 \
		-sha256 -extfile ext.cnf -extensions "$4" -outform DER -out "$1.der" 2>/dev/null
	openssl x509 -inform DER -in "$1.der" -out "$1.crt"
}
ca ciA "/C=DE/O=Port-DP Test CI A/CN=Test CI A"
issue eumA "/C=DE/O=Port-DP Test EUM/CN=Test EUM A" ciA eum
issue euicc-in "/C=DE/O=Port-DP Test EUM/serialNumber=89049032000000000000000000000017/CN=eUICC in" eumA euicc
issue euicc-out "/C=DE/O=Port-DP Test EUM/serialNumber=89033024000000000000000000000015/CN=eUICC out" eumA euicc
ca ciB "/C=DE/O=Port-DP Test CI B/CN=Test CI B"
issue eumB "/C=DE/O=Port-DP Test EUM/CN=Test EUM B" ciB eum
issue euicc-b "/C=DE/O=Port-DP Test EUM/serialNumber=89049032000000000000000000000025/CN=eUICC B" eumB euicc
rm -f ./*.tmp ./*.csr ./*.srl
