package health

import (
	"strings"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	whv1 "github.com/workloadhealth/workloadhealth/api/v1alpha1"
	. "github.com/workloadhealth/workloadhealth/internal/health/healthtest"
)

// The lines below are written for these tests in the formats of the
// runtimes and clients that print them; each cites the format string or
// source it imitates. Real logs cannot be fetched here.

// textRuleCase is one text given to one text rule.
type textRuleCase struct {
	name string
	text string
	// probe: the text is an Unhealthy event's.
	probe bool

	code     whv1.HintCode // empty: the rule finds nothing
	message  string        // a substring of the message
	evidence string        // the exact evidence: the one matched line
}

func runTextHintRule(t *testing.T, rule textHintRule, cases []textRuleCase) {
	t.Helper()
	p := Pod("p", CrashLoopingWith(3, ""), func(p *corev1.Pod) { p.Status.PodIP = "10.244.0.15" })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := classifiedAtT0(p)
			it, ok := rule(textFacts{v: &v, text: tc.text, source: whv1.EvidenceFromTerminationMessage, probe: tc.probe})
			if tc.code == "" {
				if ok {
					t.Fatalf("found %s (%q) in %q, want nothing", it.code, it.message, tc.text)
				}
				return
			}
			if !ok || it.code != tc.code {
				t.Fatalf("found %v %q in %q, want %s", ok, it.code, tc.text, tc.code)
			}
			if !strings.Contains(it.message, tc.message) {
				t.Errorf("message %q lacks %q", it.message, tc.message)
			}
			if it.evidence != tc.evidence {
				t.Errorf("evidence %q, want %q", it.evidence, tc.evidence)
			}
			if it.source != whv1.EvidenceFromTerminationMessage {
				t.Errorf("source %q, want the text's", it.source)
			}
		})
	}
}

func TestHintDNSFailure(t *testing.T) {
	runTextHintRule(t, hintDNSFailure, []textRuleCase{
		// Go net: DNSError.Error() "lookup " + Name + " on " + Server + ": " + Err, errNoSuchHost "no such host".
		{name: "go resolver", text: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host",
			code: whv1.HintDNSFailure, message: `cannot resolve "autoscaler.knative-serving.svc.cluster.local"`,
			evidence: "dial tcp: lookup autoscaler.knative-serving.svc.cluster.local on 10.96.0.10:53: no such host"},
		// Go net: a lookup that timed out, "read udp ...: i/o timeout".
		{name: "go resolver timeout", text: "dial tcp: lookup auth.svc on 10.96.0.10:53: read udp 10.244.0.15:39211->10.96.0.10:53: i/o timeout",
			code: whv1.HintDNSFailure, message: `"auth.svc"`, evidence: "dial tcp: lookup auth.svc on 10.96.0.10:53: read udp 10.244.0.15:39211->10.96.0.10:53: i/o timeout"},
		// glibc gai_strerror(EAI_NONAME) via curl: "Could not resolve host: %s".
		{name: "curl", text: "curl: (6) Could not resolve host: payments.shop.svc",
			code: whv1.HintDNSFailure, message: `"payments.shop.svc"`, evidence: "curl: (6) Could not resolve host: payments.shop.svc"},
		// Java: java.net.UnknownHostException thrown by InetAddress.getAllByName with the host and the resolver's reason.
		{name: "java", text: "Caused by: java.net.UnknownHostException: kafka-0.kafka-headless: Name or service not known",
			code: whv1.HintDNSFailure, message: `"kafka-0.kafka-headless"`, evidence: "Caused by: java.net.UnknownHostException: kafka-0.kafka-headless: Name or service not known"},
		// Node.js: lib/internal/errors.js DNSException, `${syscall} ${code} ${hostname}`.
		{name: "node", text: "Error: getaddrinfo ENOTFOUND redis-master\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)",
			code: whv1.HintDNSFailure, message: `"redis-master"`, evidence: "Error: getaddrinfo ENOTFOUND redis-master"},
		// Node.js: EAI_AGAIN, the resolver did not answer.
		{name: "node eai_again", text: "Error: getaddrinfo EAI_AGAIN api.partner.example",
			code: whv1.HintDNSFailure, message: `"api.partner.example"`, evidence: "Error: getaddrinfo EAI_AGAIN api.partner.example"},
		// Python: socket.gaierror(EAI_NONAME, gai_strerror) printed by the traceback as "socket.gaierror: [Errno -2] ...".
		{name: "python gaierror", text: "Traceback (most recent call last):\n  File \"/app/main.py\", line 9, in <module>\nsocket.gaierror: [Errno -2] Name or service not known",
			code: whv1.HintDNSFailure, message: "a DNS lookup fails", evidence: "socket.gaierror: [Errno -2] Name or service not known"},
		// Python: urllib3 NameResolutionError "Failed to resolve '%s' (%s)".
		{name: "python urllib3", text: "urllib3.exceptions.NameResolutionError: <urllib3.connection.HTTPConnection object at 0x7f>: Failed to resolve 'orders' ([Errno -3] Temporary failure in name resolution)",
			code: whv1.HintDNSFailure, message: `"orders"`, evidence: "urllib3.exceptions.NameResolutionError: <urllib3.connection.HTTPConnection object at 0x7f>: Failed to resolve 'orders' ([Errno -3] Temporary failure in name resolution)"},
		// Ruby: Net::HTTP "Failed to open TCP connection to #{host}:#{port} (#{e.message})" around SocketError's getaddrinfo.
		{name: "ruby", text: "Failed to open TCP connection to search:9200 (getaddrinfo: Name or service not known) (SocketError)",
			code: whv1.HintDNSFailure, message: `"search"`, evidence: "Failed to open TCP connection to search:9200 (getaddrinfo: Name or service not known) (SocketError)"},
		// nginx: ngx_http_upstream "host not found in upstream \"%V\"" at configuration time.
		{name: "nginx upstream", text: `nginx: [emerg] host not found in upstream "backend:8080" in /etc/nginx/conf.d/default.conf:12`,
			code: whv1.HintDNSFailure, message: `"backend"`, evidence: `nginx: [emerg] host not found in upstream "backend:8080" in /etc/nginx/conf.d/default.conf:12`},
		// nginx: ngx_resolver "%V could not be resolved (%i: %s)" at run time.
		{name: "nginx resolver", text: "2026/12/01 09:00:00 [error] 7#7: *1 backend.shop.svc.cluster.local could not be resolved (3: Host not found)",
			code: whv1.HintDNSFailure, message: `"backend.shop.svc.cluster.local"`, evidence: "2026/12/01 09:00:00 [error] 7#7: *1 backend.shop.svc.cluster.local could not be resolved (3: Host not found)"},
		// libpq: fe-connect.c "could not translate host name \"%s\" to address: %s".
		{name: "libpq", text: `psql: error: could not translate host name "postgres" to address: Name or service not known`,
			code: whv1.HintDNSFailure, message: `"postgres"`, evidence: `psql: error: could not translate host name "postgres" to address: Name or service not known`},
		// MySQL client: CR_UNKNOWN_HOST "Unknown MySQL server host '%-.100s' (%d)".
		{name: "mysql", text: "ERROR 2005 (HY000): Unknown MySQL server host 'mysql-primary' (-2)",
			code: whv1.HintDNSFailure, message: `"mysql-primary"`, evidence: "ERROR 2005 (HY000): Unknown MySQL server host 'mysql-primary' (-2)"},
		{name: "a refused connection", text: "dial tcp 10.96.44.12:5432: connect: connection refused"},
	})
}

func TestHintDependencyUnreachable(t *testing.T) {
	runTextHintRule(t, hintDependencyUnreachable, []textRuleCase{
		// Go net: OpError "dial tcp ADDR: connect: " + syscall.ECONNREFUSED's text.
		{name: "go refused", text: "dial tcp 10.96.44.12:5432: connect: connection refused",
			code: whv1.HintDependencyUnreachable, message: "cannot connect to 10.96.44.12:5432 (connection refused)", evidence: "dial tcp 10.96.44.12:5432: connect: connection refused"},
		// Go net: a dial that hit its deadline, "i/o timeout".
		{name: "go timeout", text: "redis: dial tcp 10.96.8.3:6379: i/o timeout",
			code: whv1.HintDependencyUnreachable, message: "10.96.8.3:6379 (i/o timeout)", evidence: "redis: dial tcp 10.96.8.3:6379: i/o timeout"},
		// Node.js: net.js exceptionWithHostPort, `${syscall} ${code} ${address}:${port}`.
		{name: "node", text: "Error: connect ECONNREFUSED 10.96.0.30:27017",
			code: whv1.HintDependencyUnreachable, message: "10.96.0.30:27017 (connection refused)", evidence: "Error: connect ECONNREFUSED 10.96.0.30:27017"},
		// Java: java.net.SocketTimeoutException from Socket.connect with a timeout, "Connect timed out".
		{name: "java timeout", text: "java.net.SocketTimeoutException: connect timed out",
			code: whv1.HintDependencyUnreachable, message: "(i/o timeout)", evidence: "java.net.SocketTimeoutException: connect timed out"},
		// Python: ConnectionRefusedError, strerror(ECONNREFUSED) inside urllib3's NewConnectionError.
		{name: "python", text: "requests.exceptions.ConnectionError: HTTPConnectionPool(host='inventory', port=8080): Max retries exceeded with url: /items (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))",
			code: whv1.HintDependencyUnreachable, message: "inventory:8080 (connection refused)",
			evidence: "requests.exceptions.ConnectionError: HTTPConnectionPool(host='inventory', port=8080): Max retries exceeded with url: /items (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))"},
		// Ruby: Errno::ECONNREFUSED "Connection refused - connect(2) for %s port %d" inside Net::HTTP's message.
		{name: "ruby", text: `Failed to open TCP connection to api:8080 (Connection refused - connect(2) for "api" port 8080) (Errno::ECONNREFUSED)`,
			code: whv1.HintDependencyUnreachable, message: "api:8080 (connection refused)", evidence: `Failed to open TCP connection to api:8080 (Connection refused - connect(2) for "api" port 8080) (Errno::ECONNREFUSED)`},
		// nginx: ngx_event_connect "connect() failed (%d: %s) while connecting to upstream" with the upstream in the context.
		{name: "nginx", text: `2026/12/01 09:00:00 [error] 29#29: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 10.244.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://10.96.0.12:8080/", host: "shop"`,
			code: whv1.HintDependencyUnreachable, message: "10.96.0.12:8080 (connection refused)",
			evidence: `2026/12/01 09:00:00 [error] 29#29: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 10.244.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://10.96.0.12:8080/", host: "shop"`},
		// libpq (PostgreSQL 14+): "connection to server at \"%s\" (%s), port %s failed: %s".
		{name: "libpq", text: "psql: error: connection to server at \"orders-db\" (10.96.0.5), port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
			code: whv1.HintDependencyUnreachable, message: "orders-db:5432 (connection refused)", evidence: `psql: error: connection to server at "orders-db" (10.96.0.5), port 5432 failed: Connection refused`},
		// MySQL client: CR_CONN_HOST_ERROR "Can't connect to MySQL server on '%-.100s:%u' (%d)", 110 = ETIMEDOUT.
		{name: "mysql", text: "ERROR 2003 (HY000): Can't connect to MySQL server on 'mysql:3306' (110)",
			code: whv1.HintDependencyUnreachable, message: "mysql:3306 (cannot connect)", evidence: "ERROR 2003 (HY000): Can't connect to MySQL server on 'mysql:3306' (110)"},
		// glibc strerror(EHOSTUNREACH) through Go's net package.
		{name: "no route", text: "dial tcp 10.96.7.7:443: connect: no route to host",
			code: whv1.HintDependencyUnreachable, message: "10.96.7.7:443 (no route to host)", evidence: "dial tcp 10.96.7.7:443: connect: no route to host"},
		// The kubelet's probe to the pod's own address: the probe's, not a dependency's.
		{name: "the pod's own probe", probe: true, text: `Readiness probe failed: Get "http://10.244.0.15:8012/": dial tcp 10.244.0.15:8012: connect: connection refused`},
		{name: "a DNS timeout", text: "dial tcp: lookup db on 10.96.0.10:53: read udp 10.244.0.15:4000->10.96.0.10:53: i/o timeout"},
	})
}

func TestHintTLSFailure(t *testing.T) {
	const msg = "a TLS connection fails"
	runTextHintRule(t, hintTLSFailure, []textRuleCase{
		// Go crypto/x509: UnknownAuthorityError "x509: certificate signed by unknown authority", wrapped by crypto/tls (Go 1.20+).
		{name: "go unknown authority", text: `Post "https://webhook.shop.svc:443/validate": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
			code: whv1.HintTLSFailure, message: msg, evidence: `Post "https://webhook.shop.svc:443/validate": tls: failed to verify certificate: x509: certificate signed by unknown authority`},
		// Go crypto/x509: CertificateInvalidError Expired, "x509: certificate has expired or is not yet valid: current time %s is after %s".
		{name: "go expired", text: "x509: certificate has expired or is not yet valid: current time 2026-12-01T09:00:00Z is after 2026-11-30T00:00:00Z",
			code: whv1.HintTLSFailure, message: msg, evidence: "x509: certificate has expired or is not yet valid: current time 2026-12-01T09:00:00Z is after 2026-11-30T00:00:00Z"},
		// Go net/http: "http: server gave HTTP response to HTTPS client".
		{name: "go plain http", text: `Get "https://10.96.0.9:8080/": http: server gave HTTP response to HTTPS client`,
			code: whv1.HintTLSFailure, message: msg, evidence: `Get "https://10.96.0.9:8080/": http: server gave HTTP response to HTTPS client`},
		// Java JSSE: SSLHandshakeException with the PKIX validator's message.
		{name: "java pkix", text: "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
			code: whv1.HintTLSFailure, message: msg, evidence: "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"},
		// Python ssl: SSLCertVerificationError "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s (_ssl.c:%d)".
		{name: "python", text: "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)",
			code: whv1.HintTLSFailure, message: msg, evidence: "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)"},
		// Node.js: the OpenSSL verify error text of SELF_SIGNED_CERT_IN_CHAIN.
		{name: "node", text: "Error: self-signed certificate in certificate chain\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)",
			code: whv1.HintTLSFailure, message: msg, evidence: "Error: self-signed certificate in certificate chain"},
		// Ruby OpenSSL: "SSL_connect returned=%d errno=%d peeraddr=%s state=%s: %s".
		{name: "ruby", text: "SSL_connect returned=1 errno=0 peeraddr=10.96.3.4:443 state=error: certificate verify failed (unable to get local issuer certificate) (OpenSSL::SSL::SSLError)",
			code: whv1.HintTLSFailure, message: msg, evidence: "SSL_connect returned=1 errno=0 peeraddr=10.96.3.4:443 state=error: certificate verify failed (unable to get local issuer certificate) (OpenSSL::SSL::SSLError)"},
		// nginx: ngx_ssl_handshake "SSL_do_handshake() failed" with OpenSSL 3's "SSL routines::" reason.
		{name: "nginx", text: "SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream",
			code: whv1.HintTLSFailure, message: msg, evidence: "SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream"},
		// libpq: "SSL error: %s".
		{name: "libpq", text: `connection to server at "db" (10.96.0.5), port 5432 failed: SSL error: certificate verify failed`,
			code: whv1.HintTLSFailure, message: msg, evidence: `connection to server at "db" (10.96.0.5), port 5432 failed: SSL error: certificate verify failed`},
		{name: "a setting that names tls", text: "listening on :8443 with tls: enabled"},
	})
}

func TestHintCredentialsRejected(t *testing.T) {
	runTextHintRule(t, hintCredentialsRejected, []textRuleCase{
		// PostgreSQL: auth.c "password authentication failed for user \"%s\"" (SQLSTATE 28P01), as lib/pq prefixes it.
		{name: "postgres", text: `pq: password authentication failed for user "orders"`,
			code: whv1.HintCredentialsRejected, message: `user "orders"`, evidence: `pq: password authentication failed for user "orders"`},
		// MySQL: ER_ACCESS_DENIED_ERROR "Access denied for user '%-.48s'@'%-.64s' (using password: %s)", as go-sql-driver prints it.
		{name: "mysql", text: "Error 1045 (28000): Access denied for user 'shop'@'10.244.0.15' (using password: YES)",
			code: whv1.HintCredentialsRejected, message: `user "shop"`, evidence: "Error 1045 (28000): Access denied for user 'shop'@'10.244.0.15' (using password: YES)"},
		// SQL Server: error 18456 "Login failed for user '%.*ls'.", as the JDBC driver prints it.
		{name: "sql server", text: "com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user 'sa'.",
			code: whv1.HintCredentialsRejected, message: `user "sa"`, evidence: "com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user 'sa'."},
		// MongoDB: AuthenticationFailed (code 18) "Authentication failed.", as the Node.js driver prints it.
		{name: "mongodb", text: "MongoServerError: Authentication failed.",
			code: whv1.HintCredentialsRejected, message: "rejects the app's credentials", evidence: "MongoServerError: Authentication failed."},
		// Redis 6+: "WRONGPASS invalid username-password pair or user is disabled.", as redis-py raises it.
		{name: "redis", text: "redis.exceptions.AuthenticationError: WRONGPASS invalid username-password pair or user is disabled.",
			code: whv1.HintCredentialsRejected, evidence: "redis.exceptions.AuthenticationError: WRONGPASS invalid username-password pair or user is disabled."},
		// RabbitMQ: connection.close ACCESS_REFUSED "Login was refused using authentication mechanism %s".
		{name: "rabbitmq", text: "Exception (403) Reason: \"username or password not allowed\" ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN",
			code: whv1.HintCredentialsRejected, evidence: "Exception (403) Reason: \"username or password not allowed\" ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN"},
		// AWS: the InvalidAccessKeyId error code, as the Go SDK v2 formats an operation error.
		{name: "aws", text: "operation error S3: GetObject, https response error StatusCode: 403, api error InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.",
			code: whv1.HintCredentialsRejected, evidence: "operation error S3: GetObject, https response error StatusCode: 403, api error InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records."},
		{name: "a wrong password in a form", text: "password reset page returned 500"},
	})
}

func TestHintConfigMissingText(t *testing.T) {
	runTextHintRule(t, hintConfigMissingText, []textRuleCase{
		// kelseyhightower/envconfig: "required key %s missing value".
		{name: "envconfig", text: "envconfig.Process: required key DATABASE_URL missing value",
			code: whv1.HintConfigMissing, message: `environment variable "DATABASE_URL" is not set`, evidence: "envconfig.Process: required key DATABASE_URL missing value"},
		// Spring: PropertyPlaceholderHelper "Could not resolve placeholder '%s' in value \"%s\"".
		{name: "spring", text: `java.lang.IllegalArgumentException: Could not resolve placeholder 'KAFKA_BROKERS' in value "${KAFKA_BROKERS}"`,
			code: whv1.HintConfigMissing, message: `"KAFKA_BROKERS"`, evidence: `java.lang.IllegalArgumentException: Could not resolve placeholder 'KAFKA_BROKERS' in value "${KAFKA_BROKERS}"`},
		// Ruby: ENV.fetch raises KeyError "key not found: %p".
		{name: "ruby env fetch", text: `/app/config/boot.rb:4:in 'fetch': key not found: "SECRET_KEY_BASE" (KeyError)`,
			code: whv1.HintConfigMissing, message: `"SECRET_KEY_BASE"`, evidence: `/app/config/boot.rb:4:in 'fetch': key not found: "SECRET_KEY_BASE" (KeyError)`},
		// An application's own words.
		{name: "prose", text: "FATAL: environment variable STRIPE_API_URL is not set",
			code: whv1.HintConfigMissing, message: `"STRIPE_API_URL"`, evidence: "FATAL: environment variable STRIPE_API_URL is not set"},
		{name: "prose without a name", text: "error: a required environment variable is missing",
			code: whv1.HintConfigMissing, message: "a required environment variable is not set", evidence: "error: a required environment variable is missing"},
		// Go os: PathError "open %s: no such file or directory".
		{name: "go config file", text: "load config: open /etc/app/config.yaml: no such file or directory",
			code: whv1.HintConfigMissing, message: `file "/etc/app/config.yaml" does not exist`, evidence: "load config: open /etc/app/config.yaml: no such file or directory"},
		// Python: FileNotFoundError "[Errno 2] No such file or directory: '%s'".
		{name: "python config file", text: "FileNotFoundError: [Errno 2] No such file or directory: '/config/settings.toml'",
			code: whv1.HintConfigMissing, message: `"/config/settings.toml"`, evidence: "FileNotFoundError: [Errno 2] No such file or directory: '/config/settings.toml'"},
		// Java: FileNotFoundException "%s (No such file or directory)".
		{name: "java config file", text: "java.io.FileNotFoundException: /opt/app/conf/application.properties (No such file or directory)",
			code: whv1.HintConfigMissing, message: `"/opt/app/conf/application.properties"`, evidence: "java.io.FileNotFoundException: /opt/app/conf/application.properties (No such file or directory)"},
		// Node.js: uvException "%s: %s, %s '%s'".
		{name: "node config file", text: "Error: ENOENT: no such file or directory, open '/app/config/production.json'",
			code: whv1.HintConfigMissing, message: `"/app/config/production.json"`, evidence: "Error: ENOENT: no such file or directory, open '/app/config/production.json'"},
		// nginx: ngx_conf_file "open() \"%s\" failed (%d: %s)".
		{name: "nginx", text: `nginx: [emerg] open() "/etc/nginx/conf.d/app.conf" failed (2: No such file or directory) in /etc/nginx/nginx.conf:31`,
			code: whv1.HintConfigMissing, message: `"/etc/nginx/conf.d/app.conf"`, evidence: `nginx: [emerg] open() "/etc/nginx/conf.d/app.conf" failed (2: No such file or directory) in /etc/nginx/nginx.conf:31`},
		// A missing executable is the image's problem, not configuration (runc's exec error).
		{name: "a missing binary", text: `exec: "/app/server": stat /app/server: no such file or directory: unknown`},
		{name: "a key in a cache", text: "cache miss: key not found: \"user:42\""},
	})
}

func TestHintPermissionDenied(t *testing.T) {
	const msg = "check the pod's securityContext"
	runTextHintRule(t, hintPermissionDenied, []textRuleCase{
		// Go os: PathError "open %s: permission denied" (EACCES).
		{name: "go", text: "open /data/wal/000001.log: permission denied",
			code: whv1.HintPermissionDenied, message: `"/data/wal/000001.log"`, evidence: "open /data/wal/000001.log: permission denied"},
		// Python: PermissionError "[Errno 13] Permission denied: '%s'".
		{name: "python", text: "PermissionError: [Errno 13] Permission denied: '/var/lib/app/state.db'",
			code: whv1.HintPermissionDenied, message: `"/var/lib/app/state.db"`, evidence: "PermissionError: [Errno 13] Permission denied: '/var/lib/app/state.db'"},
		// Java NIO: AccessDeniedException with the path as its message.
		{name: "java", text: "java.nio.file.AccessDeniedException: /tmp/cache/index",
			code: whv1.HintPermissionDenied, message: `"/tmp/cache/index"`, evidence: "java.nio.file.AccessDeniedException: /tmp/cache/index"},
		// Node.js: uvException "EACCES: permission denied, mkdir '%s'".
		{name: "node", text: "Error: EACCES: permission denied, mkdir '/app/uploads'",
			code: whv1.HintPermissionDenied, message: `"/app/uploads"`, evidence: "Error: EACCES: permission denied, mkdir '/app/uploads'"},
		// Ruby: Errno::EACCES "Permission denied @ rb_sysopen - %s".
		{name: "ruby", text: "Errno::EACCES: Permission denied @ rb_sysopen - /app/log/production.log",
			code: whv1.HintPermissionDenied, message: `"/app/log/production.log"`, evidence: "Errno::EACCES: Permission denied @ rb_sysopen - /app/log/production.log"},
		// nginx: "mkdir() \"%s\" failed (%d: %s)" under a non-root user.
		{name: "nginx", text: `nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)`,
			code: whv1.HintPermissionDenied, message: msg, evidence: `nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (13: Permission denied)`},
		// glibc strerror(EROFS) through Go: readOnlyRootFilesystem.
		{name: "read-only", text: "mkdir /var/run/app: read-only file system",
			code: whv1.HintPermissionDenied, message: `"/var/run/app"`, evidence: "mkdir /var/run/app: read-only file system"},
		// PostgreSQL's own grants are not a file.
		{name: "a database grant", text: "ERROR:  permission denied for table orders"},
	})
}

func TestHintAppOutOfMemory(t *testing.T) {
	const msg = "the runtime ran out of memory"
	runTextHintRule(t, hintAppOutOfMemory, []textRuleCase{
		// JDK: OutOfMemoryError "Java heap space", uncaught in a thread.
		{name: "java", text: "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf(Arrays.java:3512)",
			code: whv1.HintAppOutOfMemory, message: msg, evidence: `Exception in thread "main" java.lang.OutOfMemoryError: Java heap space`},
		// Go runtime: throw("out of memory") from mallocgc prints "fatal error: runtime: out of memory".
		{name: "go", text: "fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw({0x8f1a2b?, 0x0?})",
			code: whv1.HintAppOutOfMemory, message: msg, evidence: "fatal error: runtime: out of memory"},
		// V8: FatalProcessOutOfMemory "FATAL ERROR: %s Allocation failed - JavaScript heap out of memory".
		{name: "node", text: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
			code: whv1.HintAppOutOfMemory, message: msg, evidence: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"},
		// Python: the traceback ends with the exception's name alone.
		{name: "python", text: "  File \"/app/load.py\", line 3, in <module>\n    data = bytearray(10**12)\nMemoryError",
			code: whv1.HintAppOutOfMemory, message: msg, evidence: "MemoryError"},
		{name: "the kernel's OOM killer is another hint", text: "OOMKilled"},
	})
}

func TestHintAppPanic(t *testing.T) {
	const msg = "panic or an uncaught exception"
	runTextHintRule(t, hintAppPanic, []textRuleCase{
		// Go runtime: printpanics "panic: " + value, then the goroutine trace.
		{name: "go", text: "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d",
			code: whv1.HintAppPanic, message: msg, evidence: "panic: runtime error: invalid memory address or nil pointer dereference"},
		// Go runtime: a fatal throw that is not memory, "fatal error: concurrent map writes".
		{name: "go fatal", text: "fatal error: concurrent map writes\n\ngoroutine 7 [running]:",
			code: whv1.HintAppPanic, message: msg, evidence: "fatal error: concurrent map writes"},
		// JDK: ThreadGroup.uncaughtException prints "Exception in thread \"%s\" " and the stack.
		{name: "java", text: "Exception in thread \"main\" java.lang.IllegalStateException: no broker available\n\tat com.shop.App.main(App.java:42)",
			code: whv1.HintAppPanic, message: msg, evidence: `Exception in thread "main" java.lang.IllegalStateException: no broker available`},
		// Python: traceback.print_exception; the first line names nothing, the exception's line does.
		{name: "python", text: "Traceback (most recent call last):\n  File \"/app/main.py\", line 5, in <module>\n    main()\n  File \"/app/main.py\", line 3, in main\n    raise ValueError(\"bad port\")\nValueError: bad port",
			code: whv1.HintAppPanic, message: msg, evidence: "ValueError: bad port"},
		// Python, cut before the exception's line: the first line is all there is.
		{name: "python cut", text: "Traceback (most recent call last):\n  File \"/app/main.py\", line 5, in <module>",
			code: whv1.HintAppPanic, message: msg, evidence: "Traceback (most recent call last):"},
		// Node.js: an uncaught error's stack, "Error: message" followed by "    at " frames.
		{name: "node", text: "/app/server.js:12\n    throw new Error('listen failed');\n    ^\n\nError: listen failed\n    at Server.<anonymous> (/app/server.js:12:11)",
			code: whv1.HintAppPanic, message: msg, evidence: "Error: listen failed"},
		// Node.js 15+: an unhandled rejection ends the process.
		{name: "node rejection", text: "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason \"boom\".] {\n  code: 'ERR_UNHANDLED_REJECTION'\n}",
			code: whv1.HintAppPanic, message: msg, evidence: "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason \"boom\".] {"},
		// Ruby: error.c's uncaught exception report "%s:%d:in '%s': %s (%s)".
		{name: "ruby", text: "/app/worker.rb:8:in 'block in <main>': undefined method 'fetch' for nil (NoMethodError)\n\tfrom /app/worker.rb:3:in '<main>'",
			code: whv1.HintAppPanic, message: msg, evidence: "/app/worker.rb:8:in 'block in <main>': undefined method 'fetch' for nil (NoMethodError)"},
		// Rust std: "thread '%s' panicked at %s:%d:%d:".
		{name: "rust", text: "thread 'main' panicked at src/main.rs:14:5:\ncalled `Result::unwrap()` on an `Err` value",
			code: whv1.HintAppPanic, message: msg, evidence: "thread 'main' panicked at src/main.rs:14:5:"},
		{name: "a log line about errors", text: "level=error msg=\"request failed\" err=\"Error: timeout\""},
		{name: "the runtime's out of memory is its own hint", text: "fatal error: runtime: out of memory"},
	})
}

// TestEvidenceLine: a multi-line text is quoted by the line a text rule
// matched, else by its first line that is not blank.
func TestEvidenceLine(t *testing.T) {
	tests := []struct {
		in, want string
		at       int
	}{
		{"one line", "one line", -1},
		{"  padded  ", "padded", -1},
		{"\n\nstarting\n  fatal: open /etc/app/app.yaml: no such file or directory\n", "fatal: open /etc/app/app.yaml: no such file or directory", 31},
		{"\n\nfirst\nsecond", "first", -1},
		{"", "", -1},
	}
	for _, tc := range tests {
		if got, at := evidenceLine(tc.in); got != tc.want || at != tc.at {
			t.Errorf("evidenceLine(%q) = %q %d, want %q %d", tc.in, got, at, tc.want, tc.at)
		}
	}
}

// TestStoredEvidence: a long line is quoted around what a rule matched,
// redacted first, within the bound.
func TestStoredEvidence(t *testing.T) {
	dns := "dial tcp: lookup db.payments.svc.cluster.local on 10.96.0.10:53: no such host"
	long := strings.Repeat("€", 20000)
	tests := []struct {
		name, in, want string
		redactions     int
	}{
		{name: "short", in: "x509: certificate signed by unknown authority", want: "x509: certificate signed by unknown authority"},
		{name: "a match in a megabyte line", in: long + " " + dns + " " + long,
			want: "…" + strings.Repeat("€", 31) + " " + dns + " " + strings.Repeat("€", 25) + "…"}, // 160 bytes before "no such host"
		{name: "a secret before the match", in: "connect postgres://app:hunter2@db:5432 failed: " + dns,
			want: "connect postgres://app:[REDACTED]@db:5432 failed: " + dns, redactions: 1},
		{name: "no match keeps start and end", in: strings.Repeat("a", 200) + strings.Repeat("b", 200),
			want: strings.Repeat("a", 126) + "…" + strings.Repeat("b", 127)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			got := storedEvidence(tc.in, &n)
			if got != tc.want || n != tc.redactions {
				t.Errorf("storedEvidence = %q (%d redactions)\nwant %q (%d)", got, n, tc.want, tc.redactions)
			}
			if len(got) > whv1.MaxEvidenceBytes || !utf8.ValidString(got) {
				t.Errorf("%d bytes, valid %v", len(got), utf8.ValidString(got))
			}
		})
	}
}
