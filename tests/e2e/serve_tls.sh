#!/bin/sh
# oyako serve over TLS, with a self-signed certificate made here (openssl).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"

test_expect_success 'setup: a certificate for 127.0.0.1, a nurse' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null &&
	serve_journal &&
	mkuser nurse:N07 nurse && echo "$TOKEN" >nurse
'
NURSE=$(cat nurse)

test_expect_success 'https: the ready line says https, requests work' '
	serve_start --tls-cert cert.pem --tls-key key.pem && echo "URL=$URL" >env &&
	echo "$URL" | grep -q "^https://127.0.0.1:[1-9]" &&
	test "$(req GET /v1/health - --cacert cert.pem)" = 200 &&
	test "$(req POST /v1/events "$NURSE" --cacert cert.pem -H "Content-Type: application/json" \
	    --data-binary "{\"type\":\"room.visited\",\"stream\":\"case:c1a5e000-0000-4000-8000-00000000000b\",\"occurred\":\"2025-09-01\",\"data\":{\"room\":\"kokinu\"}}")" = 201
'
. ./env

test_expect_success 'the session cookie is Secure under TLS' '
	curl -s --cacert cert.pem -D hdr -o body -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"nurse:N07\",\"password\":\"nurse:N07-password\"}" "$URL/v1/login" &&
	grep -i "^set-cookie: oyako_session=" hdr | grep -q "; Secure"
'

test_expect_success 'plain HTTP to the TLS port gets no reply' '
	plain=$(echo "$URL" | sed s/^https/http/) &&
	! curl -s -m 10 -o /dev/null "$plain/v1/health"
'

test_expect_success 'an untrusted certificate is refused by a checking client' '
	! curl -s -m 10 -o /dev/null "$URL/v1/health"
'

test_expect_success 'SIGTERM: exit 0' '
	serve_stop
'

test_expect_success 'with TLS a non-loopback address is allowed' '
	SERVE_LISTEN=0.0.0.0:0 serve_start --tls-cert cert.pem --tls-key key.pem &&
	echo "$URL" | grep -q "^https://0.0.0.0:" &&
	serve_stop
'

test_expect_success 'a missing or bad certificate: exit 6, a message' '
	test_must_fail 6 oyako serve -J j --listen 127.0.0.1:0 --tls-cert nothing.pem --tls-key key.pem 2>err &&
	test_grep "nothing.pem" err &&
	echo garbage >bad.pem &&
	test_must_fail 6 oyako serve -J j --listen 127.0.0.1:0 --tls-cert bad.pem --tls-key key.pem 2>err &&
	test_grep "certificate" err
'

test_done
