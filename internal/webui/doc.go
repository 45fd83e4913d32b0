// Package webui is the local, read-only web view of `kubectl workloadhealth
// ui`: a fleet page of every WorkloadHealth the user may list, worst first,
// and a page per workload with its conditions, hints and pods.
//
// One shared watch (a client-go informer, store.go) feeds every open tab;
// each tab holds one server-sent-events stream that only says "something
// changed", and the page fetches its own view again. The pages are
// html/template with embedded assets and work without JavaScript; app.js
// adds the live updates.
//
// Security (security.go): the server listens on a loopback address only,
// every request needs the random token of the printed URL (exchanged for an
// HttpOnly, SameSite=Strict cookie) and a Host header naming the bound
// loopback address (no DNS rebinding), and the client it is given can only
// send GET requests to the cluster (readonly.go).
package webui
