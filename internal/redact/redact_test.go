package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The secrets below are made up; their shapes follow the documented
// formats of each kind (the AWS values are AWS's own documentation
// examples).
const (
	jwt       = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhcHAiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLW5vdC1yZWFs"
	awsKeyID  = "AKIAIOSFODNN7EXAMPLE"
	awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	pemKey    = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----"
)

func TestStringRedactsSecrets(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		// secrets must not be left anywhere in the output.
		secrets []string
	}{
		// key=value, logfmt, environment dumps, flags
		{name: "logfmt password", in: `level=error msg="connect failed" user=app password=hunter2 host=db`,
			want: `level=error msg="connect failed" user=app password=[REDACTED] host=db`, secrets: []string{"hunter2"}},
		{name: "env var", in: "DB_PASSWORD=s3cr3t-Pa55 exec /app", want: "DB_PASSWORD=[REDACTED] exec /app", secrets: []string{"s3cr3t-Pa55"}},
		{name: "flag", in: "starting: /bin/app --api-key=9f8e7d6c5b4a --port=8080", want: "starting: /bin/app --api-key=[REDACTED] --port=8080"},
		{name: "client secret with spaces", in: "oauth: client_secret = 'Zm9vYmFyYmF6' rejected", want: "oauth: client_secret = '[REDACTED]' rejected"},
		{name: "ruby hash", in: `config: {:password => "rubyPass1"}`, want: `config: {:password => "[REDACTED]"}`},
		{name: "yaml style password", in: "password: letmein", want: "password: [REDACTED]"},
		{name: "token after a colon", in: "using token: 7d1f9c2a88e0b4", want: "using token: [REDACTED]"},
		// JSON
		{name: "json inside a string", in: `error: request {\"user\":\"app\",\"password\":\"hunter2\"} refused`,
			want: `error: request {\"user\":\"app\",\"password\":\"[REDACTED]\"} refused`, secrets: []string{"hunter2"}},
		{name: "json token inside a string", in: `msg="{\"token\":\"abc123XYZ\"}"`, want: `msg="{\"token\":\"[REDACTED]\"}"`, secrets: []string{"abc123XYZ"}},
		{name: "google oauth token alone", in: "refresh failed for ya29.a0AfH6SMBxQ2ZkLm3N4oP5qR6sT7uV8w9 at 10:00",
			want: "refresh failed for [REDACTED] at 10:00", secrets: []string{"a0AfH6SMBx"}},
		{name: "kubeconfig client key", in: "client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
			want: "client-key-data: [REDACTED]", secrets: []string{"LS0tLS1CRUdJTi"}},
		{name: "url password with an at sign", in: "dial https://app:p@ss@db.internal:5432/x failed",
			want: "dial https://app:[REDACTED]@db.internal:5432/x failed", secrets: []string{"ss@db"}},
		{name: "go header map", in: `headers: map[Authorization:[Bearer abcdef123456] Accept:[*/*]]`,
			want: `headers: map[Authorization:[Bearer [REDACTED]] Accept:[*/*]]`, secrets: []string{"abcdef123456"}},
		{name: "json header", in: `{"Authorization":["Basic dXNlcjpwYXNzd29yZA=="]}`,
			want: `{"Authorization":["Basic [REDACTED]"]}`, secrets: []string{"dXNlcjpwYXNzd29yZA"}},
		{name: "cgi header", in: "HTTP_AUTHORIZATION=Basic dXNlcjpwYXNzd29yZA== REMOTE_ADDR=10.0.0.1",
			want: "HTTP_AUTHORIZATION=Basic [REDACTED] REMOTE_ADDR=10.0.0.1", secrets: []string{"dXNlcjpwYXNzd29yZA"}},
		{name: "json password", in: `{"user":"app","password":"p@ss\"word","host":"db"}`,
			want: `{"user":"app","password":"[REDACTED]","host":"db"}`, secrets: []string{`p@ss`}},
		{name: "json token with spaces", in: `{"access_token": "ya29.a0AfH6SMBx", "expires_in": 3599}`,
			want: `{"access_token": "[REDACTED]", "expires_in": 3599}`},
		{name: "json numeric secret", in: `{"pin_secret": 123456}`, want: `{"pin_secret": [REDACTED]}`},
		// headers and tokens
		{name: "authorization bearer", in: "GET /api Authorization: Bearer abcdef0123456789xyz", want: "GET /api Authorization: Bearer [REDACTED]"},
		{name: "authorization basic", in: `header "Authorization: Basic dXNlcjpwYXNzd29yZA=="`, want: `header "Authorization: Basic [REDACTED]"`},
		{name: "authorization json", in: `{"Authorization":"Bearer tok_live_123456"}`, want: `{"Authorization":"Bearer [REDACTED]"}`},
		{name: "aws sigv4 header", in: "authorization: AWS4-HMAC-SHA256 Credential=" + awsKeyID + "/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
			want: "authorization: AWS4-HMAC-SHA256 [REDACTED]", secrets: []string{awsKeyID, "fe5f80f77d"}},
		{name: "cookie", in: "Cookie: session=9a8b7c6d; theme=dark", want: "Cookie: [REDACTED]"},
		{name: "bearer in prose", in: "request rejected: bearer eyJraWQiOiIxIn0abc123 is expired", want: "request rejected: bearer [REDACTED] is expired"},
		{name: "jwt alone", in: "token=" + jwt, want: "token=[REDACTED]", secrets: []string{jwt}},
		{name: "jwt in a message", in: "invalid id " + jwt + " for user", want: "invalid id [REDACTED] for user"},
		// private keys
		{name: "pem block", in: "loaded key:\n" + pemKey + "\ndone", want: "loaded key:\n-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\ndone", secrets: []string{"MIIEow"}},
		{name: "pem cut short", in: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC", want: "-----BEGIN PRIVATE KEY-----[REDACTED]"},
		{name: "openssh key", in: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
			want: "-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED]-----END OPENSSH PRIVATE KEY-----"},
		// cloud keys
		{name: "aws key id and secret", in: "credentials " + awsKeyID + ":" + awsSecret + " rejected", want: "credentials [REDACTED]:[REDACTED] rejected",
			secrets: []string{awsKeyID, awsSecret}},
		{name: "aws env", in: "AWS_ACCESS_KEY_ID=" + awsKeyID + " AWS_SECRET_ACCESS_KEY=" + awsSecret,
			want: "AWS_ACCESS_KEY_ID=[REDACTED] AWS_SECRET_ACCESS_KEY=[REDACTED]"},
		{name: "gcp service account json", in: `{"type": "service_account", "project_id": "demo", "private_key_id": "3f2a9b8c7d6e5f4a", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n-----END PRIVATE KEY-----\n", "client_email": "app@demo.iam.gserviceaccount.com"}`,
			want:    `{"type": "service_account", "project_id": "demo", "private_key_id": "[REDACTED]", "private_key": "[REDACTED]", "client_email": "app@demo.iam.gserviceaccount.com"}`,
			secrets: []string{"MIIEvQ", "3f2a9b8c"}},
		{name: "google api key", in: "key AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW is invalid", want: "key [REDACTED] is invalid"},
		{name: "azure storage connection string", in: "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=bXlrZXk0MjQyNDI0Mg==;EndpointSuffix=core.windows.net",
			want: "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=[REDACTED];EndpointSuffix=core.windows.net"},
		{name: "azure service bus", in: "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0a2V5MTIz=",
			want: "Endpoint=sb://demo.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=[REDACTED]"},
		{name: "azure sas url", in: "GET https://demo.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-01-01&sp=r&sig=AbC%2Fd3Ef%3D failed",
			want: "GET https://demo.blob.core.windows.net/c/b?sv=2022-11-02&se=2026-01-01&sp=r&sig=[REDACTED] failed"},
		{name: "github token", in: "git clone failed with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", want: "git clone failed with [REDACTED]"},
		{name: "docker config auth", in: `{"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNzd29yZA=="}}}`,
			want: `{"auths":{"registry.example.com":{"auth":"[REDACTED]"}}}`},
		{name: "x-api-key header", in: "X-Api-Key: 4f9a8b7c6d5e", want: "X-Api-Key: [REDACTED]"},
		{name: "odbc", in: "Driver={ODBC Driver 18};Server=sql;UID=sa;PWD={Pa;ss1};Encrypt=yes", want: "Driver={ODBC Driver 18};Server=sql;UID=sa;PWD=[REDACTED];Encrypt=yes"},
		// URLs and connection strings
		{name: "postgres url", in: `dial "postgres://app:Pg-Secret1@db.prod:5432/orders?sslmode=disable" failed`,
			want: `dial "postgres://app:[REDACTED]@db.prod:5432/orders?sslmode=disable" failed`},
		{name: "mongodb srv", in: "MongoServerSelectionError for mongodb+srv://svc:m0ng0pw@cluster0.example.net/db", want: "MongoServerSelectionError for mongodb+srv://svc:[REDACTED]@cluster0.example.net/db"},
		{name: "redis url without user", in: "redis://:r3dis@redis-master:6379/0", want: "redis://:[REDACTED]@redis-master:6379/0"},
		{name: "go mysql dsn", in: "sql: open app:my5ql@tcp(mysql:3306)/shop?parseTime=true", want: "sql: open app:[REDACTED]@tcp(mysql:3306)/shop?parseTime=true"},
		{name: "libpq keywords", in: "host=db port=5432 user=app password=pq-pass dbname=orders", want: "host=db port=5432 user=app password=[REDACTED] dbname=orders"},
		{name: "jdbc query", in: "jdbc:mysql://db:3306/shop?user=app&password=jdbcPw1&useSSL=false", want: "jdbc:mysql://db:3306/shop?user=app&password=[REDACTED]&useSSL=false"},
		{name: "ado.net", in: "Server=sql;Database=shop;User Id=app;Password=Ad0Pass!;Encrypt=true", want: "Server=sql;Database=shop;User Id=app;Password=[REDACTED];Encrypt=true"},
		{name: "amqp", in: "dial amqp://guest:guestpw@rabbitmq:5672/: connection refused", want: "dial amqp://guest:[REDACTED]@rabbitmq:5672/: connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n := String(tc.in)
			if got != tc.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if n != strings.Count(tc.want, Marker) {
				t.Errorf("count %d, want %d", n, strings.Count(tc.want, Marker))
			}
			for _, s := range tc.secrets {
				if strings.Contains(got, s) {
					t.Errorf("%q left in %q", s, got)
				}
			}
			if again, n := String(got); again != got || n != 0 {
				t.Errorf("redacting again gives %q (%d), want it unchanged", again, n)
			}
		})
	}
}

// TestStringKeepsHarmlessText: texts that speak about credentials, or use
// the same words for other things, keep every byte, so that the hints can
// still read them.
func TestStringKeepsHarmlessText(t *testing.T) {
	for _, in := range []string{
		"token bucket full",
		"password reset page returned 500",
		`FATAL:  password authentication failed for user "app"`,
		"Access denied for user 'app'@'10.0.0.5' (using password: YES)",
		"Access denied for user 'root'@'localhost' (using password: NO)",
		"invalid token: signature expired",
		"rate limiter: max_tokens=100 refill=10/s",
		"token_count=42",
		`secret "db-credentials" not found`,
		"couldn't find key password in Secret default/db-credentials",
		`MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found`,
		"bearer authentication failed",
		"missing bearer token",
		"dial tcp 10.96.44.12:5432: connect: connection refused",
		"Get \"http://10.0.0.5:8080/healthz\": context deadline exceeded",
		"https://example.com:8443/path@v2",
		"git@github.com:org/repo.git",
		"user app@example.com logged in",
		"keyspace=orders key=users:42 not found",
		"Readiness probe failed: HTTP probe failed with statuscode: 401",
		"password: ${DB_PASSWORD}",
		"PWD=/app HOME=/root",
		`{"oauth": "enabled"}`,
		"password=****",
		"",
		"ünïcödé line with no secret",
		"commit 3f2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
	} {
		if got, n := String(in); got != in || n != 0 {
			t.Errorf("String(%q) = %q (%d), want it unchanged", in, got, n)
		}
	}
}

func TestStringWithoutTriggerDoesNotAllocate(t *testing.T) {
	s := "Back-off restarting failed container app in pod web-7d4b9c8f6-x2x9q_default"
	if a := testing.AllocsPerRun(100, func() { String(s) }); a != 0 {
		t.Errorf("%v allocations, want 0", a)
	}
}

// TestTriggers: every rule has triggers, lower-case and of two bytes or
// more (ruleMask compares the first two bytes before the rest, to
// lower-cased text), and there are no more rules than mask bits.
func TestTriggers(t *testing.T) {
	if len(rules) > 32 {
		t.Fatalf("%d rules, the mask has 32 bits", len(rules))
	}
	for _, r := range rules {
		if len(r.triggers) == 0 {
			t.Errorf("rule %q has no trigger, it would never run", r.name)
		}
		for _, w := range r.triggers {
			if len(w) < 2 || w != strings.ToLower(w) {
				t.Errorf("rule %q: trigger %q is not a lower-case word of two bytes or more", r.name, w)
			}
		}
	}
	if got := ruleMask("xx AUTHORIZATION: Bearer"); got == 0 {
		t.Error("upper-case trigger words are not found")
	}
}

func BenchmarkString(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"plain", "Back-off restarting failed container app in pod web-7d4b9c8f6-x2x9q_default(2f0e)"},
		{"trigger without secret", `FATAL:  password authentication failed for user "app"`},
		{"megabyte without trigger", strings.Repeat("€ 12.5 ", 150000)},
		{"secret", "level=error msg=\"connect failed\" dsn=postgres://app:hunter2@db:5432/orders token=abcdef0123456789"},
	} {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				String(in.s)
			}
		})
	}
}

// FuzzString: whatever the text, redacting is idempotent, keeps valid
// UTF-8 valid, and counts the markers it added.
func FuzzString(f *testing.F) {
	for _, s := range []string{
		"password=hunter2", `{"token": "abc123"}`, "Authorization: Bearer abcdef0123456789", jwt, pemKey,
		awsKeyID + ":" + awsSecret, "postgres://u:p@h/db", "app:pw@tcp(db:3306)/x", "token bucket full",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, n := String(s)
		if again, m := String(got); again != got || m != 0 {
			t.Fatalf("String(%q) = %q, and again %q (%d)", s, got, again, m)
		}
		if added := strings.Count(got, Marker) - strings.Count(s, Marker); n != added {
			t.Fatalf("String(%q) = %q: count %d, %d markers added", s, got, n, added)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q is not valid UTF-8", s, got)
		}
		if n == 0 && got != s {
			t.Fatalf("String(%q) = %q changed the text without counting", s, got)
		}
	})
}
