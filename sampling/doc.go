// Package sampling is the domain core of spotcheck: the registry types, the
// draw of a plan, inspector assignment and pass-rate statistics. It does no
// I/O; storage, scheduler and the HTTP API call into it.
package sampling
