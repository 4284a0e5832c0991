#!/bin/sh
# Regenerates the throwaway test PKI of tls_test.cc: a CA, a server
# certificate for localhost / 127.0.0.1 and a client certificate, all valid
# for 100 years. Test-only keys: never trust this CA anywhere.
set -eu
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.pem -days "$days" -subj "/CN=lipsync test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
for who in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$who.key" -out "$who.csr" -subj "/CN=lipsync test $who"
  openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out "$who.pem" -days "$days" -extfile openssl.cnf -extensions "${who}_ext"
  rm "$who.csr"
done
# Nothing signs with the CA again; keep no key for it.
rm -f ca.key ca.srl
