// Package redact removes credentials from text copied from the cluster
// (termination messages, event messages, log lines) before it is stored
// in a WorkloadHealth, shown or logged: passwords and tokens in key=value
// and JSON, Authorization and Cookie headers, bearer tokens, JWTs, PEM
// private keys, cloud access keys and URLs or connection strings with a
// password. Only the secret itself is replaced, so that what is left still
// explains the failure ("password authentication failed for user app" is
// kept; "password=hunter2" becomes "password=[REDACTED]").
package redact
