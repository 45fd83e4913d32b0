package health

import (
	"strings"
)

// This file reads the lines applications write when they fail (in a
// termination message, an event, or later the previous log): the words
// of runtimes and client libraries for a TLS failure, rejected
// credentials, missing configuration, a denied file, the runtime's own
// out-of-memory and an uncaught panic. Each finder returns what it found
// and the index of the match, so that the hint quotes that line only.

// firstIndex is the earliest index in s of any of the patterns, or -1.
func firstIndex(s string, patterns []string) int {
	at := -1
	for _, p := range patterns {
		if i := strings.Index(s, p); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	return at
}

// tlsPatterns: Go's crypto/tls and crypto/x509 errors, Java's JSSE,
// OpenSSL's reasons as Python's ssl module, Ruby's OpenSSL::SSL::SSLError,
// nginx and libpq print them, and Node.js's certificate error texts.
var tlsPatterns = []string{
	"x509: ",
	"tls: failed to verify",
	"tls: handshake failure",
	"remote error: tls: ",
	"tls: first record does not look like a TLS handshake",
	"server gave HTTP response to HTTPS client",
	"SSLHandshakeException",
	"SSLPeerUnverifiedException",
	"PKIX path building failed",
	"CERTIFICATE_VERIFY_FAILED",
	"certificate verify failed",
	"SSL routines",
	"SSL_connect returned",
	"SSL error:",
	"SSL connection error",
	"WRONG_VERSION_NUMBER",
	"self-signed certificate",
	"self signed certificate",
	"unable to verify the first certificate",
	"unable to get local issuer certificate",
	"certificate has expired",
	"does not match certificate's altnames",
}

// tlsFailure finds a failed TLS handshake or certificate check.
func tlsFailure(s string) (at int, ok bool) {
	at = firstIndex(s, tlsPatterns)
	return at, at >= 0
}

// credentialPatterns: a dependency refusing the credentials it was given,
// in the words of PostgreSQL (28P01), MySQL (ER_ACCESS_DENIED_ERROR
// 1045), SQL Server (18456), MongoDB (AuthenticationFailed), Redis,
// RabbitMQ, Kafka's SASL and AWS's APIs.
var credentialPatterns = []string{
	"password authentication failed for user",
	"Access denied for user",
	"Login failed for user",
	"Authentication failed",
	"authentication failed",
	"AuthenticationFailed",
	"NOAUTH Authentication required",
	"WRONGPASS",
	"ERR invalid password",
	"ACCESS_REFUSED - Login was refused",
	"SaslAuthenticationException",
	"InvalidAccessKeyId",
	"SignatureDoesNotMatch",
	"The security token included in the request is invalid",
	"invalid username or password",
	"Invalid username or password",
	"invalid credentials",
	"Invalid credentials",
}

// credentialsRejected finds rejected credentials and the user they were
// for ("" when the line does not say).
func credentialsRejected(s string) (user string, at int, ok bool) {
	at = firstIndex(s, credentialPatterns)
	if at < 0 {
		return "", -1, false
	}
	line, _ := lineAt(s, at)
	switch {
	case strings.Contains(line, `for user "`):
		user = quotedAfter(line, `for user "`)
	case strings.Contains(line, "for user '"):
		user = textBetween(line, "for user '", '\'')
	}
	return user, at, true
}

// envMissingPatterns: an application's own words for a required
// environment variable or configuration key that is not set: Go's
// envconfig ("required key X missing value"), Spring's unresolvable
// placeholder, Ruby's ENV.fetch (KeyError), and the phrases applications
// commonly use.
var envMissingPatterns = []string{
	"required key ",
	"Could not resolve placeholder '",
	"key not found: \"",
	"environment variable",
	"env var ",
}

// configFileMissingPatterns: a file that does not exist, as Go's os
// package (ENOENT via syscall), glibc's strerror (quoted by Python,
// Java, Ruby, nginx), and Node.js print it.
var configFileMissingPatterns = []string{
	"no such file or directory",
	"No such file or directory",
	"ENOENT",
	"FileNotFoundException",
}

// missingConfigKind says what configMissing found missing.
type missingConfigKind int

const (
	missingEnvVar missingConfigKind = iota
	missingConfigFile
)

// configMissing finds a missing environment variable (its name, "" when
// the line does not say) or configuration file (its path).
func configMissing(s string) (kind missingConfigKind, name string, at int, ok bool) {
	for _, line := range lines(s) {
		if name, ok := missingEnv(line.text); ok {
			return missingEnvVar, name, line.at, true
		}
		if i := firstIndex(line.text, configFileMissingPatterns); i >= 0 {
			if p := pathIn(line.text); p != "" && configFile(p) {
				return missingConfigFile, p, line.at + i, true
			}
		}
	}
	return 0, "", -1, false
}

// missingEnv finds the name of a missing environment variable in a line.
func missingEnv(line string) (string, bool) {
	i := firstIndex(line, envMissingPatterns)
	if i < 0 {
		return "", false
	}
	rest := line[i:]
	lower := strings.ToLower(rest)
	switch {
	case strings.HasPrefix(rest, "required key "):
		f := strings.Fields(rest[len("required key "):])
		if len(f) >= 3 && f[1] == "missing" && f[2] == "value" {
			return f[0], true
		}
		return "", false
	case strings.HasPrefix(rest, "Could not resolve placeholder '"):
		return textBetween(rest, "placeholder '", '\''), true
	case strings.HasPrefix(rest, "key not found: \""):
		name := quotedAfter(rest, "key not found: \"")
		return name, envName(name)
	}
	// "environment variable DATABASE_URL is not set", "env var X must be
	// set", "required environment variable \"X\" is missing".
	if !(strings.Contains(lower, "not set") || strings.Contains(lower, "missing") || strings.Contains(lower, "is required") ||
		strings.Contains(lower, "must be set") || strings.Contains(lower, "not defined") || strings.Contains(lower, "is empty")) {
		return "", false
	}
	for _, f := range strings.Fields(rest) {
		if name := strings.Trim(f, `"'$:,.{}()`); envName(name) {
			return name, true
		}
	}
	return "", true
}

// envName says whether s reads as an environment variable's name:
// upper-case letters, digits and underscores, at least two characters.
func envName(s string) bool {
	if len(s) < 2 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// configFile says whether a path names configuration: a configuration
// extension, a certificate or key, or a file under /etc or a config
// directory. Other missing files (an executable, a data file) are not
// this hint's business.
func configFile(p string) bool {
	lower := strings.ToLower(p)
	for _, ext := range [...]string{".yaml", ".yml", ".json", ".toml", ".ini", ".conf", ".cfg", ".properties", ".env",
		".xml", ".crt", ".pem", ".key", ".cert"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return strings.HasPrefix(lower, "/etc/") || strings.Contains(lower, "/config/") || strings.Contains(lower, "/conf/") ||
		strings.Contains(lower, "/secrets/")
}

// permissionPatterns: a file or directory the process may not use:
// EACCES and EROFS in the words of Go, glibc (quoted by Python, Ruby,
// nginx, libpq), Node.js, and Java's AccessDeniedException.
var permissionPatterns = []string{
	"permission denied",
	"Permission denied",
	"EACCES",
	"AccessDeniedException",
	"read-only file system",
	"Read-only file system",
}

// permissionDenied finds a denied file or volume and its path ("" when
// the line does not name one). A database's "permission denied for
// table" is about its own grants, not a file.
func permissionDenied(s string) (path string, at int, ok bool) {
	for _, line := range lines(s) {
		i := firstIndex(line.text, permissionPatterns)
		if i < 0 || strings.Contains(line.text, "permission denied for ") {
			continue
		}
		p := pathIn(line.text)
		if p == "" && !strings.Contains(line.text, "EACCES") && !strings.Contains(line.text, "file system") {
			continue
		}
		return p, line.at + i, true
	}
	return "", -1, false
}

// oomPatterns: the runtime's own out-of-memory, before the kernel's OOM
// killer acts: Java's OutOfMemoryError, Go's runtime throw, V8's fatal
// heap limit, Ruby's NoMemoryError, .NET's OutOfMemoryException.
var oomPatterns = []string{
	"java.lang.OutOfMemoryError",
	"OutOfMemoryError: ",
	"fatal error: runtime: out of memory",
	"JavaScript heap out of memory",
	"failed to allocate memory (NoMemoryError)",
	"OutOfMemoryException",
}

// appOutOfMemory finds the runtime's own out-of-memory error. Python's
// MemoryError is a line of its own.
func appOutOfMemory(s string) (at int, ok bool) {
	if at = firstIndex(s, oomPatterns); at >= 0 {
		return at, true
	}
	for _, line := range lines(s) {
		if t := strings.TrimSpace(line.text); t == "MemoryError" || strings.HasPrefix(t, "MemoryError: ") {
			return line.at, true
		}
	}
	return -1, false
}

// appPanic finds an uncaught panic or exception and returns the first
// line of its trace: Go's "panic: " or runtime "fatal error: ", Java's
// `Exception in thread "main"`, Rust's "panicked at", .NET's "Unhandled
// exception.", Node.js's uncaught error (the "Error: " line its stack
// frames follow, or an unhandled rejection), Ruby's `file:line:in
// 'method': message (Class)`. For Python the first line of the trace is
// "Traceback (most recent call last):", which names nothing: the line
// that names the exception, after the frames, is returned when the text
// holds it.
func appPanic(s string) (at int, ok bool) {
	ls := lines(s)
	for k, line := range ls {
		t := line.text
		switch {
		case strings.HasPrefix(t, "panic: "), strings.HasPrefix(t, "fatal error: ") && !strings.Contains(t, "out of memory"),
			strings.HasPrefix(t, "Exception in thread "), strings.Contains(t, "' panicked at "),
			strings.HasPrefix(t, "Unhandled exception. "), strings.HasPrefix(t, "Unhandled Exception: "),
			strings.Contains(t, "[UnhandledPromiseRejection"), rubyUncaught(t):
			return line.at, true
		case strings.HasPrefix(t, "Traceback (most recent call last):"):
			for _, next := range ls[k+1:] {
				if next.text != "" && next.text[0] != ' ' && next.text[0] != '\t' {
					return next.at, true
				}
			}
			return line.at, true
		case nodeErrorLine(t) && k+1 < len(ls) && strings.HasPrefix(strings.TrimSpace(ls[k+1].text), "at "):
			return line.at, true
		}
	}
	return -1, false
}

// nodeErrorLine is the first line of a JavaScript error's stack:
// "Error: boom", "TypeError: x is not a function".
func nodeErrorLine(t string) bool {
	i := strings.Index(t, "Error: ")
	if i < 0 || t == "" || t[0] == ' ' {
		return false
	}
	name := t[:i]
	return !strings.ContainsAny(name, " \t:") && (name == "" || name[0] >= 'A' && name[0] <= 'Z')
}

// rubyUncaught is the first line Ruby prints for an uncaught exception:
// "/app/app.rb:3:in `<main>': boom (RuntimeError)" (3.4 quotes with ').
func rubyUncaught(t string) bool {
	i := strings.Index(t, ":in ")
	if i <= 0 || !strings.HasSuffix(t, ")") || t[i-1] < '0' || t[i-1] > '9' {
		return false
	}
	open := strings.LastIndexByte(t, '(')
	if open < 0 {
		return false
	}
	class := t[open+1 : len(t)-1]
	return class != "" && class[0] >= 'A' && class[0] <= 'Z' && !strings.ContainsAny(class, " ,")
}

// textLine is one line of a text and its offset.
type textLine struct {
	text string
	at   int
}

// lines splits s into its lines with their offsets.
func lines(s string) []textLine {
	var out []textLine
	for at := 0; at <= len(s); {
		end := strings.IndexByte(s[at:], '\n')
		if end < 0 {
			out = append(out, textLine{text: strings.TrimSuffix(s[at:], "\r"), at: at})
			break
		}
		out = append(out, textLine{text: strings.TrimSuffix(s[at:at+end], "\r"), at: at})
		at += end + 1
	}
	return out
}

// pathIn is the first absolute path in a line, without the quotes,
// brackets and punctuation around it.
func pathIn(line string) string {
	for _, f := range strings.FieldsFunc(line, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '"' || r == '\'' || r == '(' || r == ')' || r == ',' || r == '`'
	}) {
		f = strings.TrimRight(f, ":;.")
		if len(f) > 1 && f[0] == '/' && f[1] != '/' {
			return f
		}
	}
	return ""
}

// textRuleBytes bounds what the text rules read of one text: a
// termination message is at most 4 KiB (the kubelet's bound), a log read
// 64 KiB; only a text written to the API by hand is longer, and of that
// the rules read the end, where a process's last words are.
const textRuleBytes = 64 << 10

// textRuleWindow is the part of s the text rules read, and its offset in
// s: all of it, or its last textRuleBytes from a line start when there is
// one.
func textRuleWindow(s string) (string, int) {
	if len(s) <= textRuleBytes {
		return s, 0
	}
	off := len(s) - textRuleBytes
	if i := strings.IndexByte(s[off:], '\n'); i >= 0 && i < textRuleBytes/2 {
		off += i + 1
	}
	return s[off:], off
}

// firstTextMatch is the earliest index in s where a text rule matches,
// or -1: the line a multi-line message is quoted by when it is evidence.
func firstTextMatch(s string) int {
	s, off := textRuleWindow(s)
	best := -1
	take := func(at int, ok bool) {
		if ok && at >= 0 && (best < 0 || at < best) {
			best = at
		}
	}
	_, at, ok := dnsFailure(s)
	take(at, ok)
	_, _, at, ok = dependencyFailure(s)
	take(at, ok)
	take(tlsFailure(s))
	_, at, ok = credentialsRejected(s)
	take(at, ok)
	_, _, at, ok = configMissing(s)
	take(at, ok)
	_, at, ok = permissionDenied(s)
	take(at, ok)
	take(appOutOfMemory(s))
	take(appPanic(s))
	if best < 0 {
		return -1
	}
	return off + best
}
