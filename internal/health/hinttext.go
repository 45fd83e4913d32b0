package health

import (
	"net"
	"strings"
)

// This file reads the texts the cluster writes (event messages, waiting
// messages, termination messages) for the evidence hints quote. Each
// reader returns what it found and the index of the match, so the hint
// can quote the line it came from.

// dnsPatterns are the ways resolvers and runtimes report a name that did
// not resolve: Go's resolver, nslookup/dig, glibc's gai_strerror (also
// quoted by Python's socket.gaierror, Ruby's SocketError and libpq),
// Node.js, Java, curl, nginx and the MySQL client.
var dnsPatterns = [...]string{
	"no such host",
	"NXDOMAIN",
	"server can't find",
	"server misbehaving",
	"Name or service not known",
	"Temporary failure in name resolution",
	"No address associated with hostname",
	"getaddrinfo ENOTFOUND",
	"getaddrinfo EAI_AGAIN",
	"UnknownHostException",
	"Could not resolve host",
	"could not translate host name",
	"Unknown MySQL server host",
	"host not found in upstream",
	"could not be resolved (",
}

// dnsNameMarkers precede the name that failed in the lines of
// dnsPatterns; a quoted name ends at its quote.
var dnsNameMarkers = [...]string{
	"server can't find ", "getaddrinfo ENOTFOUND ", "getaddrinfo EAI_AGAIN ", "UnknownHostException: ",
	"Could not resolve host: ", `could not translate host name "`, "Unknown MySQL server host '",
	`host not found in upstream "`, "Failed to resolve '", "Failed to open TCP connection to ",
}

// dnsFailure finds a failed name resolution in s and the name that failed
// ("" when the text does not say).
func dnsFailure(s string) (name string, at int, ok bool) {
	at = -1
	for _, p := range dnsPatterns {
		if i := strings.Index(s, p); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	// A lookup that timed out means the DNS server itself is unreachable.
	if at < 0 {
		if i := strings.Index(s, "lookup "); i >= 0 {
			line := lineAround(s, i)
			if strings.Contains(line, "i/o timeout") || strings.Contains(line, "timed out") {
				at = i
			}
		}
	}
	if at < 0 {
		return "", -1, false
	}
	line, off := lineAt(s, at)
	rel := at - off
	// nslookup, Node.js and Java name the host after a marker; Go's
	// resolver after the last "lookup " before the match ("lookup NAME on
	// 10.96.0.10:53: no such host", "lookup NAME: no such host").
	for _, m := range dnsNameMarkers {
		if i := strings.Index(line, m); i >= 0 {
			name = token(line[i+len(m):])
			break
		}
	}
	// nginx names it before: "backend could not be resolved (3: Host not
	// found)".
	if i := strings.Index(line, " could not be resolved"); name == "" && i >= 0 {
		f := strings.Fields(line[:i])
		if len(f) > 0 {
			name = f[len(f)-1]
		}
	}
	name = hostOf(name)
	if name == "" {
		if i := strings.LastIndex(line[:rel], "lookup "); i >= 0 {
			name = token(line[i+len("lookup "):])
		} else if i := strings.Index(line, "lookup "); i >= 0 {
			name = token(line[i+len("lookup "):])
		}
	}
	return strings.TrimSuffix(name, "."), at, true
}

// dependencyFailure finds a refused or timed-out connection in s and the
// address it went to ("" when the text does not say).
func dependencyFailure(s string) (addr, what string, at int, ok bool) {
	for _, w := range dependencyPatterns {
		if i := strings.Index(s, w.text); i >= 0 && (!ok || i < at) {
			at, what, ok = i, w.what, true
		}
	}
	if !ok {
		return "", "", -1, false
	}
	line, off := lineAt(s, at)
	rel := at - off
	// A lookup that timed out is a DNS failure, reported as such.
	if strings.Contains(line[:rel], "lookup ") {
		return "", "", -1, false
	}
	switch {
	case strings.Contains(line, "dial tcp "):
		addr = strings.TrimSuffix(token(line[strings.Index(line, "dial tcp ")+len("dial tcp "):]), ":")
	case strings.Contains(line, "dial udp "):
		addr = strings.TrimSuffix(token(line[strings.Index(line, "dial udp ")+len("dial udp "):]), ":")
	case strings.Contains(line, "ECONNREFUSED "):
		addr = token(line[strings.Index(line, "ECONNREFUSED ")+len("ECONNREFUSED "):])
	case strings.Contains(line, "ETIMEDOUT "):
		addr = token(line[strings.Index(line, "ETIMEDOUT ")+len("ETIMEDOUT "):])
	default:
		addr = dependencyAddress(line)
	}
	if addr == "" || strings.HasPrefix(addr, "lookup") {
		addr = ""
	}
	return addr, what, at, true
}

// dependencyPatterns are the ways clients report a refused or timed-out
// connection, and what each means: Go's net package, glibc's strerror
// (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, quoted by Java, Python, Ruby,
// nginx and libpq), Node.js's error codes and the MySQL client's
// CR_CONN_HOST_ERROR.
var dependencyPatterns = [...]struct{ text, what string }{
	{"connection refused", "connection refused"},
	{"Connection refused", "connection refused"},
	{"ECONNREFUSED", "connection refused"},
	{"i/o timeout", "i/o timeout"},
	{"ETIMEDOUT", "i/o timeout"},
	{"Connection timed out", "i/o timeout"},
	{"connection timed out", "i/o timeout"},
	{"connect timed out", "i/o timeout"},
	{"No route to host", "no route to host"},
	{"no route to host", "no route to host"},
	{"EHOSTUNREACH", "no route to host"},
	{"Can't connect to MySQL server on", "cannot connect"},
}

// dependencyAddress finds the address in the other clients' words:
// libpq's `connection to server at "db" (10.96.0.5), port 5432 failed`,
// MySQL's `Can't connect to MySQL server on 'db:3306'`, nginx's
// `upstream: "http://10.96.0.12:8080/"`, Ruby's `Failed to open TCP
// connection to api:8080`, urllib3's `host='api', port=8080`.
func dependencyAddress(line string) string {
	if h := quotedAfter(line, `connection to server at "`); h != "" {
		if i := strings.Index(line, "), port "); i >= 0 {
			return net.JoinHostPort(h, token(line[i+len("), port "):]))
		}
		return h
	}
	if i := strings.Index(line, "Can't connect to MySQL server on '"); i >= 0 {
		rest := line[i+len("Can't connect to MySQL server on '"):]
		if j := strings.IndexByte(rest, '\''); j >= 0 {
			return rest[:j]
		}
	}
	if u := quotedAfter(line, `upstream: "`); u != "" {
		if _, rest, ok := strings.Cut(u, "://"); ok {
			u = rest
		}
		h, _, _ := strings.Cut(u, "/")
		return h
	}
	if i := strings.Index(line, "Failed to open TCP connection to "); i >= 0 {
		return token(line[i+len("Failed to open TCP connection to "):])
	}
	if h := textBetween(line, "host='", '\''); h != "" {
		if p := portAfter(line, "port="); p != "" {
			return net.JoinHostPort(h, p)
		}
		return h
	}
	return ""
}

// textBetween is the text after prefix up to the byte q.
func textBetween(s, prefix string, q byte) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	j := strings.IndexByte(rest, q)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// portAfter is the run of digits after prefix.
func portAfter(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return rest[:n]
}

// hostOf strips the port and the quotes from a name as the resolvers'
// callers print it ("db:5432", "'db'").
func hostOf(name string) string {
	name = strings.Trim(name, `"'`)
	if h, _, err := net.SplitHostPort(name); err == nil {
		return h
	}
	return name
}

// addrHost is the host of "host:port" or "[v6]:port"; an address without
// a port is its own host.
func addrHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return strings.Trim(addr, "[]")
}

// probeDiagnosis explains a failed probe's message: the three failures
// design.md names, or "" when the message is something else.
func probeDiagnosis(msg string) string {
	switch {
	case strings.Contains(msg, "connection refused"):
		where := "the probe port"
		if addr, _, _, ok := dependencyFailure(msg); ok && addr != "" {
			where = addr + ", the probe port"
		}
		return "connection refused: nothing listens on " + where +
			" (the app is not up yet, listens on another port, or only on 127.0.0.1)"
	case strings.Contains(msg, "context deadline exceeded"), strings.Contains(msg, "Client.Timeout"),
		strings.Contains(msg, "timeout"), strings.Contains(msg, "timed out"):
		return "the probe timed out: raise its timeoutSeconds, or find out why the app answers slowly (overload, a blocked dependency)"
	case strings.Contains(msg, "statuscode: "):
		code := token(msg[strings.Index(msg, "statuscode: ")+len("statuscode: "):])
		return "the app answers its probe with HTTP " + code + ": its own health check reports an error"
	}
	return ""
}

// probeKind tells which probe an Unhealthy event is about.
func probeKind(msg string) (kind string, ok bool) {
	for _, k := range [...]string{"Readiness", "Liveness", "Startup"} {
		if strings.HasPrefix(msg, k+" probe") {
			return k, true
		}
	}
	return "", false
}

// imagePullDiagnosis explains an image pull failure from the registry's
// message.
func imagePullDiagnosis(reason, msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case reason == "InvalidImageName":
		return "the image reference is not valid"
	case reason == "ErrImageNeverPull":
		return "the image is not on the node and imagePullPolicy is Never"
	case strings.Contains(lower, "401 unauthorized"), strings.Contains(lower, "403 forbidden"),
		strings.Contains(lower, "unauthorized"), strings.Contains(lower, "authentication required"),
		strings.Contains(lower, "access denied"), strings.Contains(lower, "denied:"):
		return "the registry refused access: check the pod's imagePullSecrets and the registry credentials"
	case strings.Contains(lower, "not found"), strings.Contains(lower, "manifest unknown"),
		strings.Contains(lower, "does not exist"):
		return "the image or its tag does not exist in the registry: check the name and tag"
	case strings.Contains(lower, "no such host"):
		return "the registry's name does not resolve"
	case strings.Contains(lower, "i/o timeout"), strings.Contains(lower, "connection refused"),
		strings.Contains(lower, "deadline exceeded"):
		return "the registry cannot be reached from the node"
	}
	return "the image cannot be pulled"
}

// quotedAfter returns the double-quoted string that follows prefix in s.
func quotedAfter(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// missingConfig finds a missing ConfigMap, Secret or key in a kubelet
// message: `secret "db-credentials" not found`, `configmap "app" not
// found`, `couldn't find key password in Secret default/db`.
func missingConfig(s string) (kind, name, key string, ok bool) {
	if i := strings.Index(s, "couldn't find key "); i >= 0 {
		f := strings.Fields(s[i+len("couldn't find key "):])
		if len(f) >= 3 && f[1] == "in" {
			key, kind = f[0], f[2]
			if len(f) >= 4 {
				name = f[3]
				if j := strings.LastIndexByte(name, '/'); j >= 0 {
					name = name[j+1:]
				}
			}
			return normaliseKind(kind), strings.TrimRight(name, ".,;"), key, true
		}
	}
	for _, k := range [...]string{"secret", "secrets", "configmap", "configmaps", "Secret", "ConfigMap"} {
		pre := k + ` "`
		i := strings.Index(s, pre)
		if i < 0 {
			continue
		}
		rest := s[i+len(pre):]
		j := strings.IndexByte(rest, '"')
		if j < 0 || !strings.HasPrefix(rest[j:], `" not found`) {
			continue
		}
		return normaliseKind(k), rest[:j], "", true
	}
	return "", "", "", false
}

func normaliseKind(k string) string {
	switch strings.ToLower(strings.TrimSuffix(strings.ToLower(k), "s")) {
	case "secret":
		return "Secret"
	case "configmap":
		return "ConfigMap"
	}
	return k
}

// schedulerReasons is the list of reasons in a scheduler message:
// "0/3 nodes are available: 3 Insufficient memory." gives
// "3 Insufficient memory".
func schedulerReasons(msg string) string {
	s := msg
	if i := strings.Index(s, "nodes are available: "); i >= 0 {
		s = s[i+len("nodes are available: "):]
	}
	if i := strings.Index(s, ". preemption:"); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

// schedulerAdvice says what to do about the scheduler's reasons.
func schedulerAdvice(reasons string) string {
	lower := strings.ToLower(reasons)
	switch {
	case strings.Contains(lower, "insufficient"):
		return "lower the pod's resource requests or add node capacity"
	case strings.Contains(lower, "taint"):
		return "add a toleration or remove the taint from the nodes"
	case strings.Contains(lower, "affinity"), strings.Contains(lower, "selector"):
		return "check the pod's nodeSelector and affinity against the nodes' labels"
	case strings.Contains(lower, "persistentvolumeclaim"), strings.Contains(lower, "volume"):
		return "check that the pod's PersistentVolumeClaims are bound (StorageClass, provisioner, zone)"
	case strings.Contains(lower, "too many pods"):
		return "the nodes are full: add nodes or raise their pod limit"
	}
	return "check the scheduler's reasons against the nodes"
}

// volumeName is the volume a mount or attach message is about.
func volumeName(msg string) string {
	if v := quotedAfter(msg, `volume "`); v != "" {
		return v
	}
	if i := strings.Index(msg, "unmounted volumes=["); i >= 0 {
		rest := msg[i+len("unmounted volumes=["):]
		if j := strings.IndexByte(rest, ']'); j >= 0 {
			return rest[:j]
		}
	}
	return ""
}

// lineAt returns the line of s holding index i and the line's offset.
func lineAt(s string, i int) (string, int) {
	if i < 0 || i > len(s) {
		return s, 0
	}
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return s[start:], start
	}
	return s[start : i+end], start
}

// token is the first word of s, ending at space, a quote, a comma, a
// semicolon or ": ".
func token(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '"', '\'', ',', ';', ')', '(':
			return s[:i]
		case ':':
			if i+1 >= len(s) || s[i+1] == ' ' {
				return s[:i]
			}
		}
	}
	return s
}
