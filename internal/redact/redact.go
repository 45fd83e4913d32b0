package redact

import (
	"regexp"
	"slices"
	"strings"
)

// Marker replaces each secret.
const Marker = "[REDACTED]"

// rule finds secrets of one shape. Its expression has a group named "s"
// around the secret: only that span is replaced, the key or scheme around
// it is kept.
type rule struct {
	name string
	// triggers are lower-case words one of which every match holds; the
	// expression runs only on a text that holds one (ASCII case ignored).
	triggers []string
	re       *regexp.Regexp
	// keep, when set, leaves a match whose secret it accepts as it is (a
	// placeholder such as "YES" in MySQL's "using password: YES").
	keep func(secret string) bool
}

// secretKey are the key names whose value is a secret, matched at the end
// of a key ("DB_PASSWORD", "client_secret", "X-Api-Key"), case-insensitive.
const secretKey = `(?:passwd|password|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|` +
	`private[_-]?key(?:[_-]?id)?|account[_-]?key|sharedaccesskey|master[_-]?key|encryption[_-]?key|signing[_-]?key|` +
	`credentials?|signature|session[_-]?id|auth[_-]?token|refresh[_-]?token|cookie|pgpassword|` +
	// a kubeconfig's base64 client key and token file contents
	`client[_-]?key[_-]?data)`

// rules are run in order on the text the previous rules left; a span
// already replaced holds only the marker, which no rule matches.
var rules = [...]rule{
	// A PEM private key block ("-----BEGIN RSA PRIVATE KEY-----", PKCS#8,
	// EC, OpenSSH, PGP), to its END line or, when the text was cut or is
	// one line of a log, to the end of the text.
	{name: "pem", triggers: []string{"private key"}, re: regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?P<s>(?s:.*?))(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)`)},
	// HTTP credentials headers: the scheme of Authorization is kept
	// ("Authorization: Bearer [REDACTED]").
	// Go prints a header map as "map[Authorization:[Bearer x]]" and JSON
	// as {"Authorization":["Basic x"]}; CGI names it HTTP_AUTHORIZATION.
	{name: "authorization header", triggers: []string{"authorization"}, re: regexp.MustCompile(`(?i)(?:\b|_)(?:proxy-)?authorization\\?["']?\s*[:=]\s*(?:(?P<s>\[REDACTED\])|\[?\\?["']?(?:(?:bearer|basic|digest|negotiate|token|apikey|aws4-hmac-sha256|sharedkey)\s+)?(?P<s>\[REDACTED\]|[^\s"',;\[\]\\]+(?:,\s*[A-Za-z]+=[^\s"',;\[\]\\]+)*))`)},
	{name: "cookie header", triggers: []string{"cookie"}, re: regexp.MustCompile(`(?i)\b(?:set-)?cookie\s*:\s*(?P<s>[^\r\n"]+)`)},
	// key=value and JSON "key": "value" where the key names a secret; an
	// unquoted value ends at a space, comma, semicolon, ampersand, quote
	// or bracket (query strings, connection strings, logfmt).
	// JSON quoted inside a string (a log line that embeds a request body)
	// escapes its quotes: \"password\":\"x\".
	{name: "secret key=value", triggers: keyWords, re: regexp.MustCompile(`(?i)` + secretKey +
		`(?:\\"\s*:\s*\\"(?P<s>(?:[^"\\]|\\[^"])*)\\"|["']?\s*(?:[:=]|=>)\s*"(?P<s>(?:[^"\\]|\\.)*)"|["']?\s*(?:[:=]|=>)\s*'(?P<s>[^']*)'|["']?\s*(?:=|=>)\s*(?P<s>\[REDACTED\]|[^\s"',;&}\]\)]+))`),
		keep: placeholder},
	// "key: value" unquoted is also how prose reads ("invalid token:
	// signature expired"): after a password key the value is replaced, after
	// the other keys only a value that looks like a token.
	{name: "password key: value", triggers: []string{"passwd", "password", "passphrase"}, re: regexp.MustCompile(`(?i)(?:passwd|password|passphrase)["']?\s*:\s*(?P<s>\[REDACTED\]|[^\s"',;&}\]\)]+)`),
		keep: placeholder},
	{name: "secret key: value", triggers: keyWords, re: regexp.MustCompile(`(?i)` + secretKey + `["']?\s*:\s*(?P<s>\[REDACTED\]|[^\s"',;&}\]\)]+)`),
		keep: func(v string) bool { return placeholder(v) || notTokenLike(v) }},
	// A Docker config's "auth" (base64 of user:password), and ODBC's PWD
	// after a semicolon (a bare PWD= is the working directory).
	{name: "docker auth", triggers: []string{`"auth"`}, re: regexp.MustCompile(`"auth"\s*:\s*"(?P<s>[^"]+)"`)},
	{name: "odbc pwd", triggers: []string{"pwd"}, re: regexp.MustCompile(`(?i);\s*pwd\s*=\s*(?P<s>\{[^}]*\}|[^;\s"']+)`)},
	// An Azure SAS token's signature in a URL or connection string.
	{name: "sas signature", triggers: []string{"sig="}, re: regexp.MustCompile(`[?&;]sig=(?P<s>[^\s&;"']+)`)},
	// user:password@ in a URL (postgres://, mongodb+srv://, amqp://,
	// https://; the expression starts at "://", whatever the scheme, so
	// that the regexp engine looks for that literal first) or in a Go
	// MySQL DSN ("user:pass@tcp(host:3306)/db"); the
	// user is kept, it tells whose credentials a server rejected.
	// The password runs to the last "@" before the host: a password may
	// hold an "@" of its own.
	{name: "url password", triggers: []string{"://"}, re: regexp.MustCompile(`://[^\s:/@"']*:(?P<s>[^\s/"']+)@`)},
	{name: "dsn password", triggers: []string{"@tcp(", "@unix(", "@udp("}, re: regexp.MustCompile(`(?:^|[\s"'=])[A-Za-z0-9_.-]+:(?P<s>[^\s/@"':]+)@(?:tcp|unix|udp)\(`)},
	// A bearer token after the word Bearer, wherever it is.
	{name: "bearer token", triggers: []string{"bearer"}, re: regexp.MustCompile(`(?i)\bbearer\s+(?P<s>[A-Za-z0-9\-._~+/]{8,}=*)`), keep: notTokenLike},
	// A JWT: three base64url parts, the first two JSON objects ("eyJ").
	{name: "jwt", triggers: []string{"eyj"}, re: regexp.MustCompile(`(?P<s>\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)`)},
	// Cloud keys by their own shape: AWS access key IDs and a secret key
	// that follows one, Google API keys; well-known token prefixes
	// (GitHub, GitLab, Slack, Stripe).
	{name: "aws access key", triggers: awsKeyIDPrefixes, re: regexp.MustCompile(`\b(?P<s>(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16})\b`)},
	{name: "aws secret after key id", triggers: awsKeyIDPrefixes, re: regexp.MustCompile(`\[REDACTED\][\s:,/|]+(?P<s>[A-Za-z0-9/+]{40})\b`)},
	{name: "google api key", triggers: []string{"aiza"}, re: regexp.MustCompile(`\b(?P<s>AIza[0-9A-Za-z_-]{35})`)},
	{name: "vendor token", triggers: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "k_live_", "ya29."}, re: regexp.MustCompile(`\b(?P<s>(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{16,}|ya29\.[A-Za-z0-9_-]{20,}))`)},
}

// placeholder says whether a secret-looking value is a word that stands
// for no secret: empty, already masked, a yes/no, an environment variable
// reference.
func placeholder(v string) bool {
	if v == "" || v == Marker || strings.Trim(v, "*xX•.") == "" {
		return true
	}
	if strings.HasPrefix(v, "${") || strings.HasPrefix(v, "$(") || (strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">")) {
		return true
	}
	return slices.Contains([]string{"yes", "no", "true", "false", "null", "nil", "none", "required", "missing", "invalid", "set", "unset", "redacted"},
		strings.ToLower(v))
}

// notTokenLike keeps words after "bearer" that are plain prose ("bearer
// authentication failed"): a token has a digit or a symbol, or mixes
// upper and lower case.
func notTokenLike(v string) bool {
	var lower, upper, other bool
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		default:
			other = true
		}
	}
	return !other && !(lower && upper)
}

// awsKeyIDPrefixes start AWS access key IDs (and are the triggers of the
// rule that finds the secret key after one: the mask of rules to run is
// taken from the text before any is replaced).
var awsKeyIDPrefixes = []string{"akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva"}

// keyWords are the words of secretKey, the key-value rules' triggers.
var keyWords = []string{"pass", "secret", "token", "key", "credential", "signature", "session", "cookie"}

// String returns s with every secret replaced by Marker, and how many were
// replaced. Text without secrets is returned as it is, without allocating.
func String(s string) (string, int) {
	mask := ruleMask(s)
	if mask == 0 {
		return s, 0
	}
	n := 0
	for i := range rules {
		if mask&(1<<i) == 0 {
			continue
		}
		var k int
		s, k = rules[i].apply(s)
		n += k
	}
	return s, n
}

// apply replaces the secret span of every match of r in s.
func (r *rule) apply(s string) (string, int) {
	ms := r.re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s, 0
	}
	var b strings.Builder
	last, n := 0, 0
	for _, m := range ms {
		start, end := secretSpan(r.re, m)
		if start < 0 || start == end || (r.keep != nil && r.keep(s[start:end])) || s[start:end] == Marker {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Marker)
		// A span that held markers of earlier rules adds one marker and
		// removes those: n stays the number of markers String added.
		n += 1 - strings.Count(s[start:end], Marker)
		last = end
	}
	if last == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// secretSpan is the span of the first group named "s" that took part in
// match m.
func secretSpan(re *regexp.Regexp, m []int) (int, int) {
	for i, name := range re.SubexpNames() {
		if name == "s" && m[2*i] >= 0 {
			return m[2*i], m[2*i+1]
		}
	}
	return -1, -1
}

// trigger is a word that lets rules run: the rules whose triggers hold
// it, as a bit mask over rules.
type trigger struct {
	word  string
	rules uint32
}

// triggersByFirst lists the triggers by their first byte, both cases, so
// that one pass over a text finds which rules may match in it.
var triggersByFirst = indexTriggers()

func indexTriggers() *[256][]trigger {
	var t [256][]trigger
	add := func(c byte, tr trigger) {
		for k := range t[c] {
			if t[c][k].word == tr.word {
				t[c][k].rules |= tr.rules
				return
			}
		}
		t[c] = append(t[c], tr)
	}
	for i := range rules {
		for _, w := range rules[i].triggers {
			tr := trigger{word: w, rules: 1 << i}
			add(w[0], tr)
			if 'a' <= w[0] && w[0] <= 'z' {
				add(w[0]-('a'-'A'), tr)
			}
		}
	}
	return &t
}

// ruleMask is the set of rules whose triggers s holds, ignoring ASCII
// case, found in one pass without allocating.
func ruleMask(s string) uint32 {
	var mask uint32
	for i := 0; i+1 < len(s); i++ {
		ts := triggersByFirst[s[i]]
		if len(ts) == 0 {
			continue
		}
		second := s[i+1] | 0x20 // lower-case for letters; the words' second bytes are letters or ':'
		for _, t := range ts {
			if (t.word[1]|0x20) == second && mask&t.rules != t.rules && len(s)-i >= len(t.word) && equalFold(s[i:i+len(t.word)], t.word) {
				mask |= t.rules
			}
		}
	}
	return mask
}

// equalFold compares s to a lower-case needle of the same length,
// ignoring ASCII case.
func equalFold(s, needle string) bool {
	for k := 0; k < len(needle); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != needle[k] {
			return false
		}
	}
	return true
}
